"""Layers under mixed_float16 / mixed_bfloat16 and float64 against Keras 3
(torch backend): output dtype, weight dtype and values."""

import numpy as np
import pytest
import torch

import lamina as keras

RNG = np.random.default_rng(0)
# Tolerance of one float16 / bfloat16 rounding on values of order one.
TOLERANCE = {"mixed_float16": 2e-3, "mixed_bfloat16": 2e-2}


def _pair(keras_ref, name, policy, **kwargs):
    ours = getattr(keras.layers, name)(dtype=policy, **kwargs)
    theirs = getattr(keras_ref.layers, name)(dtype=policy, **kwargs)
    return ours, theirs


def _run_both(ours, theirs, x):
    expected = theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    return ours(x), expected


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name,kwargs,shape", [
    ("Dense", {"units": 5, "activation": "relu"}, (4, 7)),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same"},
     (2, 6, 6, 4)),
])
def test_mixed_layer_matches_keras(keras_ref, policy, name, kwargs, shape):
    ours, theirs = _pair(keras_ref, name, policy, **kwargs)
    x = RNG.standard_normal(shape).astype("float32")
    got, expected = _run_both(ours, theirs, x)
    assert str(got.dtype) == str(expected.dtype)
    assert got.dtype == {"mixed_float16": torch.float16,
                         "mixed_bfloat16": torch.bfloat16}[policy]
    assert all(w.dtype == torch.float32 for w in ours.weights)
    assert ours.compute_dtype == theirs.compute_dtype
    assert ours.variable_dtype == theirs.variable_dtype == "float32"
    np.testing.assert_allclose(
        got.float().detach().cpu().numpy(),
        expected.float().detach().cpu().numpy(),
        atol=TOLERANCE[policy], rtol=TOLERANCE[policy])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name,kwargs", [
    ("LayerNormalization", {}), ("Softmax", {}),
    ("BatchNormalization", {}), ("Activation", {"activation": "softmax"}),
])
def test_float32_kept_inside_matches_keras(keras_ref, policy, name, kwargs):
    """Softmax and normalization compute in float32 inside and return the
    compute dtype, as Keras's do."""
    ours, theirs = _pair(keras_ref, name, policy, **kwargs)
    x = (RNG.standard_normal((4, 6)) * 3).astype("float32")
    got, expected = _run_both(ours, theirs, x)
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(
        got.float().detach().cpu().numpy(),
        expected.float().detach().cpu().numpy(),
        atol=TOLERANCE[policy], rtol=TOLERANCE[policy])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_model_with_float32_head_matches_keras(keras_ref, policy):
    """The usual recipe: a mixed body, a float32 output layer that casts its
    low-precision inputs back up."""
    def build(lib):
        inputs = lib.Input((6,))
        x = lib.layers.Dense(8, activation="relu", dtype=policy)(inputs)
        x = lib.layers.Dense(3, dtype=policy)(x)
        outputs = lib.layers.Activation("softmax", dtype="float32")(x)
        return lib.Model(inputs, outputs)

    ours, theirs = build(keras), build(keras_ref)
    ours.set_weights(theirs.get_weights())
    x = RNG.standard_normal((5, 6)).astype("float32")
    got, expected = ours(x), theirs(x)
    assert got.dtype == torch.float32 and str(expected.dtype) == \
        "torch.float32"
    np.testing.assert_allclose(got.detach().cpu().numpy(),
                               expected.detach().cpu().numpy(),
                               atol=TOLERANCE[policy])
    predicted = ours.predict(x, verbose=0)
    assert predicted.dtype == np.float32
    np.testing.assert_allclose(predicted, expected.detach().cpu().numpy(),
                               atol=TOLERANCE[policy])


def test_sequential_mixed_predict_matches_call(keras_ref):
    """Sequential's direct-call shortcut must not skip the casts."""
    def build(lib):
        return lib.Sequential([
            lib.Input((6,)), lib.layers.Dense(8, dtype="mixed_float16"),
            lib.layers.Dense(2, dtype="float32")])

    ours, theirs = build(keras), build(keras_ref)
    ours.set_weights(theirs.get_weights())
    x = RNG.standard_normal((5, 6)).astype("float32")
    expected = theirs.predict(x, verbose=0)
    for _ in range(3):
        got = ours.predict(x, verbose=0)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, atol=2e-3)
        assert ours(x).dtype == torch.float32


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_gradients_reach_float32_weights(policy):
    layer = keras.layers.Dense(3, dtype=policy)
    out = layer(RNG.standard_normal((4, 5)).astype("float32"))
    out.float().sum().backward()
    assert isinstance(layer.kernel, keras.Variable)
    assert layer.kernel.grad is not None
    assert layer.kernel.grad.dtype == torch.float32
    assert layer.kernel.dtype == torch.float32
    assert "kernel" in dict(layer.named_parameters())


def _float64_model(lib, normalize):
    inputs = lib.Input((4,), dtype="float64")
    x = lib.layers.Dense(6, activation="tanh", dtype="float64")(inputs)
    if normalize:
        x = lib.layers.LayerNormalization(dtype="float64")(x)
    outputs = lib.layers.Dense(2, dtype="float64")(x)
    return lib.Model(inputs, outputs)


def _float64_reference(weights, x, normalize):
    """The model in NumPy float64."""
    kernel, bias = weights[:2]
    h = np.tanh(x @ kernel + bias)
    if normalize:
        gamma, beta = weights[2:4]
        mean = h.mean(-1, keepdims=True)
        var = h.var(-1, keepdims=True)
        h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    return h @ weights[-2] + weights[-1]


# Keras 3 on torch computes 64-bit matmuls in 32 bits (its dtype promotion
# maps float64 results to float32, "aligned with JAX's default"), so it
# agrees with exact float64 only to float32 precision; Lamina is exact.
KERAS_FLOAT64_TOLERANCE = 1e-5


@pytest.mark.parametrize("normalize", [False, True])
def test_float64_forward_is_exact(keras_ref, normalize):
    x = RNG.standard_normal((16, 4)) + 1e-9
    ours, theirs = _float64_model(keras, normalize), \
        _float64_model(keras_ref, normalize)
    ours.set_weights(theirs.get_weights())
    expected = _float64_reference(ours.get_weights(), x, normalize)
    for got in (ours(x).detach().cpu().numpy(), ours.predict(x, verbose=0)):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours(x).detach().cpu().numpy(),
                               theirs(x).detach().cpu().numpy(),
                               rtol=KERAS_FLOAT64_TOLERANCE,
                               atol=KERAS_FLOAT64_TOLERANCE)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_float64_model_trains_as_keras(keras_ref, normalize, optimizer):
    # Keras's data adapters cast float64 arrays to floatx: data that
    # float32 holds exactly is the same in both (Lamina keeps float64).
    x = RNG.standard_normal((32, 4)).astype("float32").astype("float64")
    y = RNG.standard_normal((32, 2)).astype("float32").astype("float64")
    ours, theirs = _float64_model(keras, normalize), \
        _float64_model(keras_ref, normalize)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer, "mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert all(w.dtype == torch.float64 for w in ours.weights)
    assert all(v.dtype == torch.float64 for v in ours.optimizer.variables
               if v.dim() > 0)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected,
                                   rtol=KERAS_FLOAT64_TOLERANCE,
                                   atol=KERAS_FLOAT64_TOLERANCE)


def test_floatx_float64_model_is_exact(keras_ref):
    keras.config.set_floatx("float64")
    try:
        model = _float64_model(keras, True)
        assert all(w.dtype == torch.float64 for w in model.weights)
        x = RNG.standard_normal((8, 4)) + 1e-9
        got = model(x)
        assert got.dtype == torch.float64
        np.testing.assert_allclose(
            got.detach().cpu().numpy(),
            _float64_reference(model.get_weights(), x, True),
            rtol=0, atol=1e-12)
    finally:
        keras.config.set_floatx("float32")
