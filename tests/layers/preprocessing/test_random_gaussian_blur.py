"""RandomGaussianBlur against Keras 3 and torch."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


@pytest.mark.parametrize("kwargs", [
    {"factor": (1.0, 1.0), "sigma": (0.8, 0.8)},
    {"factor": (1.0, 1.0), "sigma": (0.5, 0.5), "kernel_size": 5},
    {"factor": (0.0, 0.0)},
])
def test_certain_draws_match_keras(keras_compare, images, kwargs):
    keras_compare("RandomGaussianBlur", kwargs, images, atol=1e-3)


def test_inference_matches_keras(keras_compare, images):
    keras_compare("RandomGaussianBlur", {}, images, training=False)


def test_channels_first_matches_keras(keras_ref, images):
    x = np.transpose(images, (0, 3, 1, 2))
    kwargs = {"factor": (1.0, 1.0), "sigma": (0.7, 0.7),
              "data_format": "channels_first"}
    ours = preprocessing.RandomGaussianBlur(**kwargs)(x).detach().cpu().numpy()
    theirs = keras_ref.layers.RandomGaussianBlur(**kwargs)(x)
    np.testing.assert_allclose(ours, keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-3)


def test_training_statistics():
    x = torch.zeros(2000, 5, 5, 1)
    x[:, 2, 2] = 200.0
    out = preprocessing.RandomGaussianBlur(factor=(0.6, 0.6), seed=0)(x)
    blurred = out[:, 2, 2, 0] < 200.0
    assert abs(blurred.float().mean().item() - 0.6) < 0.04
    torch.testing.assert_close(out[blurred].sum((1, 2, 3)),
                               torch.full((int(blurred.sum()),), 200.0))


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandomGaussianBlur, {"seed": 1},
                   input_shape=(2, 6, 5, 3),
                   expected_output_shape=(2, 6, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size"):
        preprocessing.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="sigma"):
        preprocessing.RandomGaussianBlur(sigma=2.0)
