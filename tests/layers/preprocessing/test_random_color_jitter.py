"""RandomColorJitter against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def test_fixed_factors_match_keras(keras_compare, images):
    # A contrast factor (l, u) draws from [1 - l, 1 + u]: only (0, 0) is
    # certain.
    keras_compare("RandomColorJitter", {
        "brightness_factor": (0.1, 0.1), "contrast_factor": (0.0, 0.0),
        "saturation_factor": (0.7, 0.7), "hue_factor": (0.0, 0.0)},
        images, atol=2e-2)


def test_inference_matches_keras(keras_compare, images):
    keras_compare("RandomColorJitter", {"brightness_factor": 0.2,
                                        "hue_factor": 0.3}, images,
                  training=False)


def test_training_varies_per_image():
    x = torch.full((500, 2, 2, 3), 100.0)
    out = preprocessing.RandomColorJitter(brightness_factor=0.2, seed=0)(x)
    offsets = out[:, 0, 0, 0] - 100
    assert offsets.std() > 5 and offsets.abs().max() <= 0.2 * 255 + 1e-3
    ramp = torch.linspace(0, 200, 16).view(1, 4, 4, 1).expand(500, 4, 4, 3)
    contrasted = preprocessing.RandomColorJitter(
        contrast_factor=(0.5, 0.5), seed=0)(ramp)
    spread = contrasted.std((1, 2, 3)) / ramp[0].std()
    assert 0.5 <= spread.min() and spread.max() <= 1.5 + 1e-4
    assert abs(spread.mean().item() - 1.0) < 0.05


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandomColorJitter,
                   {"brightness_factor": 0.2, "saturation_factor": 0.5,
                    "seed": 1},
                   input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)
