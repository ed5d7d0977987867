"""Top-level `keras.name_scope`, `SymbolicScope`, `remat`/`RematScope` and
`Function`."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.graph import in_symbolic_scope


def test_name_scope_prefixes_weight_paths():
    with keras.name_scope("outer") as scope:
        assert scope.name == "outer"
        dense = keras.layers.Dense(2, name="d")
        dense.build((None, 3))
        with keras.name_scope("inner"):
            inner = keras.layers.Dense(2, name="e")
            inner.build((None, 3))
        with keras.name_scope("x", override_parent="top"):
            moved = keras.layers.Dense(2, name="f")
            moved.build((None, 3))
    assert dense.kernel.path == "outer/d/kernel"
    assert inner.kernel.path == "outer/inner/e/kernel"
    assert moved.kernel.path == "top/x/f/kernel"
    after = keras.layers.Dense(2, name="g")
    after.build((None, 3))
    assert after.kernel.path == "g/kernel"
    with pytest.raises(ValueError, match="name"):
        keras.name_scope("a/b")


def test_symbolic_scope():
    assert not in_symbolic_scope()
    with keras.SymbolicScope():
        assert in_symbolic_scope()
    assert not in_symbolic_scope()


def test_remat_gives_the_same_values_and_gradients():
    w = torch.randn(4, 4, requires_grad=True)

    def block(x):
        return torch.tanh(x @ w).sum()

    x = torch.randn(3, 4)
    expected = torch.autograd.grad(block(x), w)[0]
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(
            lambda t: saved.append(t) or t, lambda t: t):
        out = keras.remat(block)(x)
    got = torch.autograd.grad(out, w)[0]
    torch.testing.assert_close(got, expected)
    # Checkpointing keeps only the inputs, not tanh's output.
    assert len(saved) <= 2


@pytest.mark.parametrize("mode,kwargs,rematerialized", [
    ("full", {}, {"a", "b"}),
    ("list_of_layers", {"layer_names": ["b"]}, {"b"}),
    ("larger_than", {"output_size_threshold": 20}, {"a"}),
    (None, {}, set()),
])
def test_remat_scope_selects_layers(mode, kwargs, rematerialized):
    with keras.RematScope(mode=mode, **kwargs):
        a = keras.layers.Dense(16, name="a")
        b = keras.layers.Dense(2, name="b")
    plain_a, plain_b = keras.layers.Dense(16), keras.layers.Dense(2)
    x = torch.randn(2, 8)
    expected_model = keras.Sequential([plain_a, plain_b])
    model = keras.Sequential([a, b])
    expected_model(x)
    model(x)
    model.set_weights(expected_model.get_weights())
    calls = []
    original = torch.utils.checkpoint.checkpoint

    def spy(fn, *args, **kw):
        calls.append(getattr(fn, "__self__", None))
        return original(fn, *args, **kw)

    torch.utils.checkpoint.checkpoint = spy
    try:
        out = model(x, training=True)
    finally:
        torch.utils.checkpoint.checkpoint = original
    torch.testing.assert_close(out, expected_model(x))
    assert {layer.name for layer in calls if layer is not None} == \
        rematerialized
    out.sum().backward()
    assert a.kernel.grad is not None


def test_remat_scope_activations_mode():
    with keras.RematScope(mode="activations"):
        layer = keras.layers.Dense(3, activation="relu")
    x = torch.randn(2, 4, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert x.grad is not None
    assert "activation" not in layer.__dict__ or \
        layer.__dict__["activation"] is layer.activation
    with pytest.raises(ValueError, match="Invalid mode"):
        keras.RematScope(mode="some")


def test_function_runs_the_recorded_graph():
    x = keras.Input((3,))
    y = keras.Input((3,))
    dense = keras.layers.Dense(2)
    out = dense(keras.ops.exp(x)) + keras.ops.sum(y, axis=-1, keepdims=True)
    fn = keras.Function(inputs=[x, y], outputs=out, name="fn")
    a, b = np.random.rand(4, 3).astype("float32"), np.ones((4, 3), "float32")
    got = fn([torch.from_numpy(a), torch.from_numpy(b)])
    expected = dense(torch.exp(torch.from_numpy(a))) + 3.0
    torch.testing.assert_close(got, expected)
    assert fn.inputs == [x, y] and fn.outputs == [out]
    assert dense in fn.operations
    with pytest.raises(ValueError, match="expects 2 input"):
        fn([torch.from_numpy(a)])
