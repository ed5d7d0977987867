import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.normalization import RMSNormalization


@pytest.mark.parametrize("kwargs,shape", [
    ({}, (2, 3)), ({}, (2, 3, 4)), ({"axis": [-2, -1]}, (2, 3, 4, 5)),
    ({"epsilon": 0.5}, (2, 3, 4)), ({"axis": 1}, (2, 3)),
])
def test_harness_and_keras_parity(keras_ref, kwargs, shape):
    run_layer_test(
        RMSNormalization, kwargs, input_shape=shape,
        expected_output_shape=shape, expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("axis,shape,axes", [
    (1, (2, 3, 4), (1,)), ([1, 3], (2, 3, 4, 5), (1, 3)),
])
def test_non_trailing_axes(axis, shape, axes):
    # Keras's torch backend fails on these; the math is checked directly.
    x = random_input(shape, seed=1) + 1
    layer = RMSNormalization(axis=axis)
    layer(x)
    scale = np.random.default_rng(2).uniform(
        0.5, 1.5, tuple(shape[a] for a in axes)).astype("float32")
    layer.set_weights([scale])
    broadcast = [shape[d] if d in axes else 1 for d in range(len(shape))]
    rms = np.sqrt((x.astype("float64") ** 2).mean(axis=axes, keepdims=True)
                  + 1e-6)
    np.testing.assert_allclose(layer(x).detach().cpu().numpy(),
                               x / rms * scale.reshape(broadcast),
                               atol=1e-5, rtol=1e-5)


def test_keeps_half_precision_dtype():
    layer = RMSNormalization(dtype="float16")
    out = layer(torch.randn(2, 8).half() * 300)
    assert out.dtype == torch.float16 and torch.isfinite(out).all()


def test_config_matches_keras_before_and_after_build(keras_ref):
    ours = RMSNormalization(name="r", epsilon=1e-4)
    theirs = keras_ref.layers.RMSNormalization(name="r", epsilon=1e-4)
    assert ours.get_config() == theirs.get_config()
    x = random_input((2, 3))
    ours(x)
    theirs(x)
    assert ours.get_config() == theirs.get_config()


def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="`axis`.*Received: axis=-3"):
        RMSNormalization(axis=-3)(torch.zeros(2, 3))
