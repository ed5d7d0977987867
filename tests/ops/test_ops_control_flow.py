"""Control-flow ops on KerasTensors with a `None` batch dim: the symbolic
output specs equal Keras 3's, a functional model built from them computes
what Keras computes eagerly, they differentiate in eager torch, and a
`jit_compile=True` fit runs through them."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina import ops

rng = np.random.default_rng(11)
DATA = rng.uniform(-1, 1, (4, 3)).astype("float32")


# Each builder takes (ops module, x of shape (batch, 3)) and returns a nest.
BUILDERS = {
    "cond": lambda o, x: o.cond(o.sum(x) > 0, lambda: x * 2.0,
                                lambda: x - 1.0),
    "cond_nest": lambda o, x: o.cond(
        o.mean(x) < 0, lambda: (x + 1.0, o.sum(x, axis=1)),
        lambda: (x * x, o.max(x, axis=1))),
    "cond_constant_branches": lambda o, x: o.cond(
        o.sum(x) > 0, lambda: o.ones((2,)), lambda: o.zeros((2,))),
    "switch": lambda o, x: o.switch(
        o.cast(o.sum(x) > 0, "int32"), [lambda a: a * 2.0,
                                        lambda a: a + 1.0], x),
    "while_loop": lambda o, x: o.while_loop(
        lambda a, b: o.sum(a) < 50.0,
        lambda a, b: (o.abs(a) * 2.0 + 0.1, b + 1.0), (x, x)),
    "fori_loop": lambda o, x: o.fori_loop(0, 3, lambda i, a: a * 2.0 + 1.0,
                                          x),
    "fori_loop_symbolic_bound": lambda o, x: o.fori_loop(
        0, o.cast(o.sum(o.abs(x)) * 0.0 + 3.0, "int32"),
        lambda i, a: a * 2.0 + 1.0, x),
    "scan": lambda o, x: o.scan(lambda c, v: (c + v, c * v),
                                o.zeros((3,)), x),
    "associative_scan": lambda o, x: o.associative_scan(
        lambda a, b: a + b, x, axis=1),
    "map": lambda o, x: o.map(lambda v: o.sum(v) * v, x),
    "vectorized_map": lambda o, x: o.vectorized_map(lambda v: o.flip(v), x),
}


def _specs(structure):
    leaves = structure if isinstance(structure, (list, tuple)) else [
        structure]
    return [(tuple(t.shape), str(t.dtype)) for t in leaves]


def _numpy(structure):
    leaves = structure if isinstance(structure, (list, tuple)) else [
        structure]
    return [np.asarray(t.detach().cpu() if isinstance(t, torch.Tensor)
                       else t) for t in leaves]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_symbolic_spec_and_model_values_match_keras(keras_ref, name):
    build = BUILDERS[name]
    expected_spec = _specs(build(keras_ref.ops, keras_ref.Input((3,))))
    inputs = lamina.Input((3,))
    outputs = build(ops, inputs)
    assert _specs(outputs) == expected_spec
    model = lamina.Model(inputs, outputs)
    for data in (DATA, -DATA):
        expected = _numpy(build(keras_ref.ops, torch.tensor(data)))
        got = _numpy(model(data))
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


def test_cond_branches_must_agree_on_keras_tensors():
    x = lamina.Input((3,))
    with pytest.raises(ValueError, match="true_fn.*false_fn"):
        ops.cond(ops.sum(x) > 0, lambda: x, lambda: ops.sum(x))
    with pytest.raises(ValueError, match="true_fn.*false_fn"):
        ops.cond(ops.sum(x) > 0, lambda: x, lambda: ops.cast(x, "int32"))


def test_while_loop_body_must_keep_the_loop_shapes_when_traced():
    x = lamina.Input((3,))
    layer = layers.Lambda(lambda t: ops.while_loop(
        lambda a: ops.sum(a) < 10.0, lambda a: ops.sum(a, axis=1), t))
    with pytest.raises(ValueError, match="while_loop.*body"):
        layer(x)


class _Gate(layers.Layer):
    """A custom layer whose call branches on its input's values."""

    def build(self, input_shape):
        self.dense = layers.Dense(3)
        self.dense.build(input_shape)

    def call(self, x):
        return ops.cond(ops.mean(x) > 0, lambda: self.dense(x),
                        lambda: -self.dense(x))


def test_cond_in_lambda_and_custom_layers_traces_both_branches():
    x = lamina.Input((3,))
    lam = layers.Lambda(lambda t: ops.cond(
        ops.sum(t) > 0, lambda: t * 2.0, lambda: t - 1.0))
    assert lam(x).shape == (None, 3)
    model = lamina.Model(x, lam(x))
    np.testing.assert_allclose(_numpy(model(DATA))[0], DATA * 2.0
                               if DATA.sum() > 0 else DATA - 1.0)
    bad = layers.Lambda(lambda t: ops.cond(
        ops.sum(t) > 0, lambda: t, lambda: t[:, :2]))
    with pytest.raises(ValueError, match="true_fn.*false_fn"):
        bad(x)
    gate = _Gate()
    y = gate(x)
    assert y.shape == (None, 3)
    out = lamina.Model(x, y)(DATA)
    dense = gate.dense(torch.tensor(DATA))
    sign = 1.0 if DATA.mean() > 0 else -1.0
    torch.testing.assert_close(out, sign * dense)


def test_control_flow_differentiates_in_eager_torch():
    x = torch.tensor(DATA, requires_grad=True)
    y = ops.cond(x.sum() > -100, lambda: x * 3.0, lambda: x)
    (w,) = ops.while_loop(lambda a: a.abs().sum() < 100.0,
                          lambda a: (a * 2.0,), (x,), maximum_iterations=2)
    f = ops.fori_loop(0, 2, lambda i, a: a * a, x)
    s = ops.switch(1, [lambda a: a, lambda a: a * 5.0], x)
    (y.sum() + w.sum() + f.sum() + s.sum()).backward()
    expected = 3.0 + 4.0 + 4.0 * DATA ** 3 + 5.0
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-5)


def test_jit_compiled_fit_through_cond_and_while_loop():
    x = lamina.Input((3,))
    h = layers.Dense(3)(x)
    h = ops.cond(ops.sum(h) > 0, lambda: h * 2.0, lambda: h * 0.5)
    (h,) = ops.while_loop(lambda a: ops.sum(ops.abs(a)) < 1e3,
                          lambda a: (a * 1.5,), (h,), maximum_iterations=2)
    model = lamina.Model(x, layers.Dense(1)(h))
    model.compile("sgd", "mse", jit_compile=True)
    before = [w.detach().clone() for w in model.trainable_weights]
    history = model.fit(DATA, DATA[:, :1], epochs=1, batch_size=4,
                        verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not torch.equal(b, w.detach())
               for b, w in zip(before, model.trainable_weights))


def test_vectorize_on_keras_tensors_builds_a_model():
    """(Keras 3.15 cannot trace `vectorize` on KerasTensors; Lamina
    records a node whose spec is traced, and the model runs it.)"""
    double_sum = ops.vectorize(lambda a, b: a * 2.0 + b)
    x = lamina.Input((3,))
    y = double_sum(x, ops.ones((3,)))
    assert (y.shape, y.dtype) == ((None, 3), "float32")
    out = lamina.Model(x, y)(DATA)
    np.testing.assert_allclose(out.cpu().numpy(), DATA * 2.0 + 1.0, rtol=1e-6)


def test_scans_and_maps_differentiate_in_eager_torch():
    x = torch.tensor(DATA, requires_grad=True)
    _, ys = ops.scan(lambda c, v: (c + v, c + v), torch.zeros(3), x)
    prefix = ops.associative_scan(lambda a, b: a + b, x)
    squares = ops.map(lambda v: v * v, x)
    flipped = ops.vectorized_map(lambda v: ops.flip(v) * 3.0, x)
    (ys.sum() + prefix.sum() + squares.sum() + flipped.sum()).backward()
    # Each prefix sum over rows counts row i (n - i) times.
    counts = np.arange(len(DATA), 0, -1, dtype="float32")[:, None]
    np.testing.assert_allclose(x.grad.cpu().numpy(),
                               2 * counts + 2 * DATA + 3.0, rtol=1e-5)


def test_a_model_with_a_symbolic_cond_clones_through_its_config():
    x = lamina.Input((3,))
    h = layers.Dense(3)(x)
    model = lamina.Model(x, ops.cond(ops.sum(h) > 0, lambda: h * 2.0,
                                     lambda: h - 1.0))
    clone = lamina.models.clone_model(model)
    clone.set_weights(model.get_weights())
    assert clone.outputs[0].shape == (None, 3)
    for data in (DATA, -DATA):
        torch.testing.assert_close(clone(data), model(data))


def test_cond_branches_must_be_functions_or_tensors():
    with pytest.raises(ValueError, match="`true_fn` must be a function"):
        ops.cond(True, "yes", lambda: 0)
