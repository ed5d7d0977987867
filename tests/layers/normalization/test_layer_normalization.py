import warnings

import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.normalization import LayerNormalization


def _reference(x, axes, epsilon=1e-3, gamma=None, beta=None):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + epsilon)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


@pytest.mark.parametrize("kwargs,shape", [
    ({}, (2, 3)),
    ({}, (2, 3, 4)),
    ({}, (2, 3, 4, 5)),
    ({"axis": [-2, -1]}, (2, 3, 4, 5)),
    ({"axis": (1, 2, 3)}, (2, 3, 4, 5)),
    ({"axis": [-1]}, (2, 3, 4)),
    ({"center": False}, (2, 3, 4)),
    ({"scale": False}, (2, 3, 4)),
    ({"center": False, "scale": False}, (2, 3, 4)),
    ({"epsilon": 0.5, "gamma_initializer": "random_normal",
      "beta_initializer": "random_uniform"}, (2, 3, 4)),
])
@pytest.mark.parametrize("training", [False, True])
def test_harness_and_keras_parity(keras_ref, kwargs, shape, training):
    trainable = int(kwargs.get("center", True)) + int(
        kwargs.get("scale", True))
    run_layer_test(
        LayerNormalization, kwargs, input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref, parity_training=training,
    )


def test_deprecated_rms_scaling_matches_keras(keras_ref):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = run_layer_test(
            LayerNormalization, {"rms_scaling": True}, input_shape=(2, 3, 4),
            expected_output_shape=(2, 3, 4),
            expected_num_trainable_weights=1, keras_reference=keras_ref,
        )
    assert any("rms_scaling" in str(w.message) for w in caught)
    assert layer.beta is None and layer.get_config()["rms_scaling"] is True


@pytest.mark.parametrize("axis,shape,axes", [
    (1, (2, 3, 4), (1,)),
    ([1, 3], (2, 3, 4, 5), (1, 3)),
    (-3, (2, 3, 4, 5), (1,)),
])
def test_non_trailing_axes(axis, shape, axes):
    # Keras's torch backend fails on these; the math is checked directly.
    x = random_input(shape, seed=1) * 3 + 1
    layer = LayerNormalization(axis=axis)
    layer(x)
    gamma_shape = tuple(shape[a] for a in axes)
    gamma = np.random.default_rng(2).uniform(0.5, 1.5, gamma_shape)
    beta = np.random.default_rng(3).uniform(-1, 1, gamma_shape)
    layer.set_weights([gamma.astype("float32"), beta.astype("float32")])
    broadcast = [shape[d] if d in axes else 1 for d in range(len(shape))]
    expected = _reference(x.astype("float64"), axes, gamma=gamma.reshape(
        broadcast), beta=beta.reshape(broadcast))
    np.testing.assert_allclose(layer(x).detach().cpu().numpy(), expected,
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kwargs", [
    {}, {"axis": [1, 2], "epsilon": 0.1, "center": False},
    {"gamma_regularizer": "l2", "beta_constraint": "non_neg"},
])
def test_config_matches_keras_before_and_after_build(keras_ref, kwargs):
    ours = LayerNormalization(name="ln", **kwargs)
    theirs = keras_ref.layers.LayerNormalization(name="ln", **kwargs)
    assert ours.get_config() == theirs.get_config()
    x = random_input((2, 3, 4))
    ours(x)
    theirs(x)
    assert ours.get_config() == theirs.get_config()


def test_half_precision_input_normalized_in_float32():
    x = (torch.randn(4, 16) * 40 + 300).half()
    out = LayerNormalization()(x)
    assert out.dtype == torch.float32
    expected = _reference(x.float().numpy().astype("float64"), (1,))
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected, atol=1e-4)


def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="`axis`.*Received: axis=3"):
        LayerNormalization(axis=3)(torch.zeros(2, 3))


def test_axis_of_wrong_type_raises():
    with pytest.raises(TypeError, match="`axis`.*Received: axis=1.5"):
        LayerNormalization(axis=1.5)


def test_duplicate_axes_raise():
    with pytest.raises(ValueError, match="distinct axes"):
        LayerNormalization(axis=[1, -1])(torch.zeros(2, 3))
