"""Equalization against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


@pytest.mark.parametrize("kwargs,scale", [
    ({}, 0.6), ({"bins": 64}, 1.0), ({"value_range": (0, 1)}, 1 / 300),
])
def test_matches_keras(keras_compare, images, kwargs, scale):
    keras_compare("Equalization", kwargs, images * scale, atol=1e-3)


def test_channels_first_and_inference_match_keras(keras_ref, keras_compare,
                                                    images):
    keras_compare("Equalization", {}, images, training=False)
    x = np.transpose(images * 0.5, (0, 3, 1, 2))
    ours = preprocessing.Equalization(data_format="channels_first")(x)
    theirs = keras_ref.layers.Equalization(data_format="channels_first")(x)
    np.testing.assert_allclose(ours.detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-3)


def test_flattens_the_histogram_and_keeps_constant_channels():
    x = torch.rand(4, 16, 16, 3) ** 2 * 200  # crowded in the dark
    out = preprocessing.Equalization()(x)
    assert out.max() == 255 and out.min() == 0
    assert abs(out.mean().item() - 127.5) < 15
    constant = torch.full((1, 4, 4, 3), 9.0)
    torch.testing.assert_close(preprocessing.Equalization()(constant),
                               constant)


def test_harness(keras_ref):
    run_layer_test(preprocessing.Equalization, {},
                   input_data=np.random.default_rng(0).uniform(
                       0, 255, (2, 5, 4, 3)).astype("float32"),
                   expected_output_shape=(2, 5, 4, 3),
                   run_training_check=False, keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="bins"):
        preprocessing.Equalization(bins=1)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_one_constant_channel_among_others_matches_keras(keras_ref,
                                                         data_format):
    # Per-channel tables in one (channels, bins) table: the constant
    # channel keeps its values while the others are equalized, unbatched
    # too, in either layout.
    x = np.random.default_rng(3).uniform(0, 0.5, (2, 6, 5, 3))
    x[..., 1] = 0.25
    x = x.astype("float32")
    if data_format == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2))
    kwargs = {"value_range": (0, 1), "bins": 32, "data_format": data_format}
    for data in (x, x[0]):
        ours = preprocessing.Equalization(**kwargs)(data)
        theirs = keras_ref.layers.Equalization(**kwargs)(data)
        np.testing.assert_allclose(ours.detach().cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(theirs),
                                   atol=1e-6)
