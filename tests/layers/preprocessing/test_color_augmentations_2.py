"""RandomPosterization, RandomColorDegeneration and RandomSharpness against
Keras 3: exact with fixed factors and in inference; statistics in
training."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


@pytest.mark.parametrize("name,kwargs", [
    ("RandomPosterization", {"factor": (4, 4)}),
    ("RandomPosterization", {"factor": (2, 2), "value_range": (0, 1)}),
    ("RandomColorDegeneration", {"factor": (0.7, 0.7)}),
    ("RandomColorDegeneration", {"factor": (-0.4, -0.4)}),
    ("RandomSharpness", {"factor": (0.9, 0.9)}),
    ("RandomSharpness", {"factor": (0.1, 0.1)}),
])
def test_fixed_factors_match_keras(keras_compare, images, name, kwargs):
    x = images / 255 if kwargs.get("value_range") == (0, 1) else images
    keras_compare(name, kwargs, x, atol=1e-3)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomPosterization", {"factor": 5}),
    ("RandomColorDegeneration", {"factor": 0.5}),
    ("RandomSharpness", {"factor": 0.5}),
])
def test_inference_matches_keras(keras_compare, images, name, kwargs):
    keras_compare(name, kwargs, images, training=False)


def test_sharpness_channels_first_matches_keras(keras_ref, images):
    x = np.transpose(images, (0, 3, 1, 2))
    kwargs = {"factor": (0.8, 0.8), "data_format": "channels_first"}
    ours = preprocessing.RandomSharpness(**kwargs)(x).detach().cpu().numpy()
    theirs = keras_ref.layers.RandomSharpness(**kwargs)(x)
    np.testing.assert_allclose(ours, keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-3)


def test_training_statistics():
    x = torch.rand(1000, 4, 4, 3) * 255
    # Bits drawn in [1, 4): every value keeps at most its top 3 bits.
    posterized = preprocessing.RandomPosterization((1, 4), seed=0)(x)
    pixels = posterized.to(torch.int64).flatten(1)
    assert (pixels % 32 == 0).all()
    one_bit = (pixels % 128 == 0).all(1).float().mean().item()
    three_bits = (pixels % 64 != 0).any(1).float().mean().item()
    assert abs(one_bit - 1 / 3) < 0.06 and abs(three_bits - 1 / 3) < 0.06
    degenerated = preprocessing.RandomColorDegeneration(
        (0.0, 1.0), seed=0)(x)
    spread = (degenerated.amax(-1) - degenerated.amin(-1)).mean((1, 2))
    original = (x.amax(-1) - x.amin(-1)).mean((1, 2))
    ratio = spread / original  # 1 - f
    assert abs(ratio.mean().item() - 0.5) < 0.05
    assert ratio.std().item() > 0.2


@pytest.mark.parametrize("cls,kwargs", [
    (preprocessing.RandomPosterization, {"factor": 3, "seed": 1}),
    (preprocessing.RandomColorDegeneration, {"factor": 0.5, "seed": 1}),
    (preprocessing.RandomSharpness, {"factor": 0.5, "seed": 1}),
])
def test_harness(keras_ref, cls, kwargs):
    run_layer_test(cls, kwargs, input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor"):
        preprocessing.RandomPosterization(9)
    with pytest.raises(ValueError, match="factor"):
        preprocessing.RandomSharpness(1.5)
    with pytest.raises(ValueError, match="value_range"):
        preprocessing.RandomColorDegeneration(0.5, value_range=3)
