import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import RandomTranslation


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant",
                                       "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_fixed_shift_matches_keras(keras_compare, images, fill_mode,
                                   interpolation):
    kwargs = {"height_factor": (0.3, 0.3), "width_factor": (-0.4, -0.4),
              "fill_mode": fill_mode, "interpolation": interpolation,
              "fill_value": 3.0}
    keras_compare("RandomTranslation", kwargs, images, atol=1e-4)
    keras_compare("RandomTranslation", {**kwargs, "height_factor": -0.0,
                                        "width_factor": (0.5, 0.5),
                                        "data_format": "channels_first"},
                  np.ascontiguousarray(images.transpose(0, 3, 1, 2)),
                  atol=1e-4)


def test_integer_shift_moves_pixels():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    layer = RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant",
                              fill_value=-1.0)
    out = layer(x).cpu().numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out[0], [-1.0] * 4)
    np.testing.assert_array_equal(out[1:], x[0, :3, :, 0])


def test_harness_and_inference_identity(keras_ref, images):
    run_layer_test(RandomTranslation, {"height_factor": 0.2,
                                       "width_factor": 0.1, "seed": 1},
                   input_shape=(2, 6, 7, 3),
                   expected_output_shape=(2, 6, 7, 3),
                   keras_reference=keras_ref)
    layer = RandomTranslation(0.5, 0.5, seed=0)
    np.testing.assert_array_equal(layer(images, training=False).cpu().numpy(),
                                  images)


def test_shift_ranges():
    layer = RandomTranslation((-0.1, 0.2), 0.5, seed=0)
    shifts = layer.get_random_transformation(torch.zeros(400, 10, 20, 1))[
        "translations"]
    assert shifts[:, 1].min() >= -1.0 and shifts[:, 1].max() <= 2.0
    assert shifts[:, 0].abs().max() <= 10.0 and shifts[:, 0].std() > 3.0


def test_bad_factors():
    with pytest.raises(ValueError, match="width_factor"):
        RandomTranslation(0.1, 1.5)
    with pytest.raises(ValueError, match="height_factor"):
        RandomTranslation("0.1", 0.1)
