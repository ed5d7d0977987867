"""Optimizer slots follow their weights when a model moves (`.to(...)`).

A second device is not needed to check this: a dtype move takes the same
path as a move between CPU and CUDA (torch replaces each parameter's data
in place, and the slots follow on the next step). `meta` cannot stand in:
torch makes new parameters for a move there.
"""

import pytest
import torch

import lamina.optimizers as optimizers
from lamina.layers import Dense

OPTIMIZERS = [
    lambda: optimizers.SGD(0.1, momentum=0.9),
    lambda: optimizers.RMSprop(0.01),
    lambda: optimizers.Adam(0.01, amsgrad=True),
    lambda: optimizers.AdamW(0.01),
    lambda: optimizers.Adafactor(0.01),
    lambda: optimizers.Adam(0.01, use_ema=True),
    lambda: optimizers.SGD(0.1, gradient_accumulation_steps=2),
]


def _step(layer, optimizer):
    # The weights alone: a layer casts its inputs to its dtype policy.
    x = torch.ones(2, 3, dtype=layer.kernel.dtype, device=layer.kernel.device)
    out = x @ layer.kernel + layer.bias
    grads = torch.autograd.grad(out.square().sum(), layer.trainable_weights)
    optimizer.apply(grads, layer.trainable_weights)


def _slots(optimizer):
    # The step counter and learning rate are host scalars by design.
    return [v for v in optimizer.variables if v.ndim > 0]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_slots_follow_a_dtype_move_both_ways(make):
    layer = Dense(4)
    layer.build((None, 3))
    layer.to("cpu")
    optimizer = make()
    _step(layer, optimizer)
    layer.to(torch.float64)
    _step(layer, optimizer)
    assert {v.dtype for v in _slots(optimizer)} <= {torch.float64,
                                                     torch.int32}
    assert any(v.dtype == torch.float64 for v in _slots(optimizer))
    layer.to(torch.float32)
    _step(layer, optimizer)
    assert {v.dtype for v in _slots(optimizer)} <= {torch.float32,
                                                     torch.int32}
    assert int(optimizer._iterations) == 3


def test_moved_slots_keep_their_values():
    layer = Dense(2)
    layer.build((None, 3))
    layer.to("cpu")
    optimizer = optimizers.RMSprop(0.01)
    _step(layer, optimizer)
    before = [v.detach().clone() for v in optimizer.variables]
    layer.to(torch.float64)
    with torch.no_grad():
        optimizer._follow_moved_weights(layer.trainable_weights)
    for old, new in zip(before, optimizer.variables):
        torch.testing.assert_close(new.float(), old.float())


def test_a_step_without_a_move_touches_no_slot(monkeypatch):
    layer = Dense(2)
    layer.build((None, 3))
    optimizer = optimizers.Adam(0.01)
    _step(layer, optimizer)
    slot = _slots(optimizer)[0]
    data = slot.data
    _step(layer, optimizer)
    assert slot.data.data_ptr() == data.data_ptr()


def test_torch_optimizer_state_follows_a_move():
    layer = Dense(2)
    layer.build((None, 3))
    layer.to("cpu")
    optimizer = optimizers.get(torch.optim.Adam)
    _step(layer, optimizer)
    layer.to(torch.float64)
    _step(layer, optimizer)
    state = optimizer.torch_optimizer.state[layer.kernel]
    assert state["exp_avg"].dtype == torch.float64
