"""AutoContrast, RandomGrayscale, RandomInvert and Solarization against
Keras 3: exact in inference and with fixed factors; statistics in
training."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def test_auto_contrast_matches_keras(keras_compare, images):
    keras_compare("AutoContrast", {}, images * 0.5 + 20, atol=1e-3)
    keras_compare("AutoContrast", {"value_range": (0, 1)},
                  images / 400, atol=1e-5)
    constant = np.full((1, 4, 4, 3), 7.0, "float32")
    out = preprocessing.AutoContrast()(constant)
    np.testing.assert_array_equal(out.detach().cpu().numpy(), constant)


def test_auto_contrast_uint8_matches_keras(keras_ref, images):
    x = (images * 0.5).astype("uint8")
    ours = preprocessing.AutoContrast()(x).detach().cpu().numpy()
    theirs = keras_ref.ops.convert_to_numpy(keras_ref.layers.AutoContrast()(x))
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomGrayscale", {"factor": 0.5}),
    ("RandomInvert", {}),
    ("Solarization", {"addition_factor": 0.3, "threshold_factor": 0.5}),
])
def test_inference_matches_keras(keras_compare, images, name, kwargs):
    keras_compare(name, kwargs, images, training=False)


def test_certain_transformations_match_keras(keras_compare, images):
    keras_compare("RandomGrayscale", {"factor": 1.0}, images, atol=1e-3)
    keras_compare("RandomGrayscale", {"factor": 0.0}, images)
    keras_compare("Solarization", {}, images)  # threshold 0: all inverted
    keras_compare("Solarization", {"value_range": (0, 1)}, images / 255,
                  atol=1e-6)


def test_training_statistics():
    x = torch.rand(2000, 2, 2, 3) * 255
    gray = preprocessing.RandomGrayscale(0.3, seed=1)(x)
    converted = (gray[..., 0] == gray[..., 1]).all(-1).all(-1)
    assert abs(converted.float().mean().item() - 0.3) < 0.04
    inverted = preprocessing.RandomInvert(seed=1)(x)
    flipped = torch.isclose(inverted, 255 - x).all(-1).all(-1).all(-1)
    # p ~ U(0, 1), inverted when U(0, 1) < p: half the images.
    assert abs(flipped.float().mean().item() - 0.5) < 0.04
    # As in Keras, additions are uniform in [f0, f1 * 255]; threshold 0
    # inverts every pixel.
    solarized = preprocessing.Solarization(
        addition_factor=(0.2, 0.2), seed=0)(torch.full((500, 1, 1, 1), 100.0))
    added = 255 - solarized - 100
    assert added.min() >= 0.2 and added.max() <= 0.2 * 255
    assert added.std() > 10


@pytest.mark.parametrize("cls,kwargs", [
    (preprocessing.AutoContrast, {}),
    # Keras leaves `seed` out of its config: a certain factor for the clone.
    (preprocessing.RandomGrayscale, {"factor": 1.0}),
    (preprocessing.RandomInvert, {"seed": 1}),
    (preprocessing.Solarization, {"addition_factor": 0.1, "seed": 1}),
])
def test_harness(keras_ref, cls, kwargs):
    run_layer_test(cls, kwargs, input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        preprocessing.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match="value_range"):
        preprocessing.AutoContrast(value_range=(0, 1, 2))
    with pytest.raises(ValueError, match="threshold_factor"):
        preprocessing.Solarization(threshold_factor=2.0)
    with pytest.raises(ValueError, match="3 channels"):
        preprocessing.RandomGrayscale(1.0)(torch.zeros(1, 2, 2, 4))
