"""RandomErasing: Keras parity where the draws are certain, statistics in
training."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def test_inference_and_never_erasing_match_keras(keras_compare, images):
    keras_compare("RandomErasing", {}, images, training=False)
    keras_compare("RandomErasing", {"factor": (0.0, 0.0)}, images)


def test_boxes_and_fill_statistics():
    x = torch.full((2000, 20, 20, 3), 100.0)
    out = preprocessing.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.3),
                                      fill_value=7.0, seed=0)(x)
    erased = (out == 7.0)
    assert ((out == 7.0) | (out == 100.0)).all()
    # The same box on every channel, and a box: rows x columns.
    assert (erased.all(-1) == erased.any(-1)).all()
    area = erased[..., 0].float().mean((1, 2))
    rows = erased[..., 0].any(2).float().sum(1)
    cols = erased[..., 0].any(1).float().sum(1)
    torch.testing.assert_close(area * 400, rows * cols)
    # sqrt(U(0.1, 0.3)) per side: a mean area near E[sqrt(s)]^2 (~0.19).
    assert 0.12 < area.mean().item() < 0.26


def test_probability_and_noise_fill():
    x = torch.full((2000, 8, 8, 3), 100.0)
    out = preprocessing.RandomErasing(factor=(0.3, 0.3), scale=(0.3, 0.3),
                                      seed=1)(x)
    changed = (out != 100.0).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.3) < 0.04
    assert out.min() >= 0 and out.max() <= 255


def test_per_channel_fill_channels_first():
    x = torch.zeros(4, 3, 10, 10)
    out = preprocessing.RandomErasing(
        factor=(1.0, 1.0), scale=(0.5, 0.5), fill_value=[10, 20, 30],
        data_format="channels_first", seed=0)(x)
    for channel, value in enumerate((10, 20, 30)):
        assert set(out[:, channel].unique().tolist()) == {0.0, float(value)}


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandomErasing, {"seed": 1},
                   input_shape=(2, 6, 5, 3),
                   expected_output_shape=(2, 6, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="fill_value"):
        preprocessing.RandomErasing(fill_value=[1, 2])
    with pytest.raises(ValueError, match="scale"):
        preprocessing.RandomErasing(scale=(0.5, 2.0, 3.0))
