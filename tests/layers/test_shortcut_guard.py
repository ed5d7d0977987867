"""The shortcut guard mirrors torch's own hook test and the layer version."""

import pytest
import torch
from torch.nn.modules import module as torch_module

from lamina import layers
from lamina.layers import call_context
from lamina.layers.shortcut_guard import Shortcut
from lamina.layers.shortcut_guard import hooks_present


def _module_hooks(module):
    return [
        lambda: module.register_forward_hook(lambda m, a, o: None),
        lambda: module.register_forward_pre_hook(lambda m, a: None),
        lambda: module.register_full_backward_hook(lambda m, gi, go: None),
        lambda: module.register_full_backward_pre_hook(lambda m, go: None),
    ]


GLOBAL_HOOKS = [
    lambda: torch_module.register_module_forward_hook(lambda m, a, o: None),
    lambda: torch_module.register_module_forward_pre_hook(lambda m, a: None),
    lambda: torch_module.register_module_full_backward_hook(
        lambda m, gi, go: None),
    lambda: torch_module.register_module_full_backward_pre_hook(
        lambda m, go: None),
]


@pytest.mark.parametrize("kind", range(4))
def test_each_module_hook_kind_counts(kind):
    dense = layers.Dense(2)
    other = layers.Dense(2)
    assert not hooks_present((dense, other))
    handle = _module_hooks(other)[kind]()
    assert hooks_present((dense, other))
    assert not hooks_present((dense,))
    handle.remove()
    assert not hooks_present((dense, other))


@pytest.mark.parametrize("kind", range(4))
def test_each_global_hook_kind_counts(kind):
    handle = GLOBAL_HOOKS[kind]()
    try:
        assert hooks_present(())
    finally:
        handle.remove()
    assert not hooks_present(())


def test_a_jit_trace_counts():
    seen = []

    def probe(x):
        seen.append(hooks_present(()))
        return x * 2

    torch.jit.trace(probe, torch.ones(2))
    assert seen[0] is True  # the first run records the trace


def test_shortcut_is_usable_until_a_layer_changes():
    dense = layers.Dense(2)
    shortcut = Shortcut(lambda x: x, (dense,))
    assert shortcut.is_current() and shortcut.usable()
    dense.some_setting = 1
    assert not shortcut.is_current() and not shortcut.usable()
    assert Shortcut(None, (dense,)).usable() is False


def test_per_call_results_do_not_invalidate_shortcuts():
    dense = layers.Dense(2)
    before = call_context.layer_version[0]
    dense.add_loss(torch.tensor(1.0))
    assert call_context.layer_version[0] == before


def test_inference_scope_and_step_losses():
    dense = layers.Dense(1, activity_regularizer="l2")
    x = torch.ones(2, 3)
    with call_context.inference_scope():
        call_context.begin_outermost_call()
        assert call_context.state.training is False
        dense(x)
        assert len(call_context.step_losses()) == 1
        call_context.begin_outermost_call()
        assert call_context.step_losses() == []
    assert call_context.state.depth == 0
    assert call_context.state.training is None
