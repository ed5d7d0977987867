import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import RandomBrightness


def test_fixed_factor_matches_keras(keras_compare, images):
    keras_compare("RandomBrightness", {"factor": (0.3, 0.3)}, images)
    keras_compare("RandomBrightness", {"factor": (-0.3, -0.3),
                                       "value_range": (0, 1)}, images / 255)
    keras_compare("RandomBrightness", {"factor": (0.5, 0.5),
                                       "value_range": [1, -1]}, images / 255)


def test_inference_returns_input_like_keras(keras_compare, images):
    keras_compare("RandomBrightness", {"factor": 0.5}, images,
                  training=False)


def test_training_statistics():
    x = np.full((500, 2, 2, 1), 100.0, dtype="float32")
    out = RandomBrightness((-0.2, 0.1), seed=0)(x).cpu().numpy()
    delta = out[:, 0, 0, 0] - 100.0
    assert delta.min() >= -0.2 * 255 - 1e-3 and delta.max() <= 0.1 * 255
    assert np.all(out == out[:, :1, :1])  # one offset per image
    assert delta.std() > 5.0
    clipped = RandomBrightness((1.0, 1.0), seed=0)(x).cpu().numpy()
    np.testing.assert_array_equal(clipped, 255.0)


def test_harness(keras_ref):
    run_layer_test(RandomBrightness, {"factor": 0.2, "seed": 1},
                   input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="value_range"):
        RandomBrightness(0.1, value_range=(0, 1, 2))
    with pytest.raises(ValueError, match="factor"):
        RandomBrightness((0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="factor"):
        RandomBrightness("bright")
    assert RandomBrightness(0.2)(torch.zeros(4, 4, 3),
                                 training=False).shape == (4, 4, 3)
