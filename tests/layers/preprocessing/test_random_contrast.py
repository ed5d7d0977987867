import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import RandomContrast


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_fixed_factor_matches_keras(keras_compare, images, data_format):
    x = images if data_format == "channels_last" else \
        np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    # (-0.5, 0.5) sorts to factor=(-0.5, 0.5): contrast factor 1.5 exactly.
    keras_compare("RandomContrast", {"factor": (-0.5, 0.5),
                                     "data_format": data_format}, x,
                  atol=1e-4)
    keras_compare("RandomContrast", {"factor": 0.0,
                                     "data_format": data_format}, x)


def test_inference_returns_input_like_keras(keras_compare, images):
    keras_compare("RandomContrast", {"factor": 0.5}, images, training=False)
    keras_compare("RandomContrast", {"factor": 0.5},
                  images.astype("uint8"), training=False)


def test_single_float_factor_is_stored_as_keras_does(keras_ref):
    assert RandomContrast(0.3).factor == keras_ref.layers.RandomContrast(
        0.3).factor == (0, 0.3)


def test_training_statistics():
    x = np.random.default_rng(0).uniform(50, 200, (300, 6, 6, 3))
    x = x.astype("float32")
    layer = RandomContrast((0.4, 0.4), seed=0)
    factors = layer.get_random_transformation(torch.zeros(1000, 2, 2, 1))[
        "contrast_factor"]
    assert factors.min() >= 0.6 and factors.max() <= 1.4
    out = layer(x).cpu().numpy()
    assert out.min() >= 0 and out.max() <= 255
    # Per-image channel means are preserved (no clipping in this range).
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)),
                               rtol=1e-3, atol=0.5)
    ratio = out.std(axis=(1, 2, 3)) / x.std(axis=(1, 2, 3))
    assert ratio.min() < 0.8 and ratio.max() > 1.2


def test_harness(keras_ref):
    run_layer_test(RandomContrast, {"factor": 0.2, "seed": 1},
                   input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)


def test_bad_factor():
    with pytest.raises(ValueError, match="factor"):
        RandomContrast(1.5)
    with pytest.raises(ValueError, match="factor"):
        RandomContrast(-0.2)
