import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import RandomZoom


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant",
                                       "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_fixed_zoom_matches_keras(keras_compare, images, fill_mode,
                                  interpolation):
    kwargs = {"height_factor": (0.3, 0.3), "width_factor": (-0.4, -0.4),
              "fill_mode": fill_mode, "interpolation": interpolation,
              "fill_value": 3.0}
    keras_compare("RandomZoom", kwargs, images, atol=1e-4)
    keras_compare("RandomZoom", {"height_factor": (-0.3, -0.3),
                                 "fill_mode": fill_mode,
                                 "interpolation": interpolation,
                                 "data_format": "channels_first"},
                  np.ascontiguousarray(images.transpose(0, 3, 1, 2)),
                  atol=1e-4)


def test_harness_and_inference_identity(keras_ref, images):
    run_layer_test(RandomZoom, {"height_factor": 0.2, "seed": 1},
                   input_shape=(2, 6, 7, 3),
                   expected_output_shape=(2, 6, 7, 3),
                   keras_reference=keras_ref)
    layer = RandomZoom(0.5, seed=0)
    np.testing.assert_array_equal(layer(images, training=False).cpu().numpy(),
                                  images)


def test_zoom_ranges_and_aspect():
    layer = RandomZoom((-0.2, 0.3), seed=0)
    zooms = layer.get_random_transformation(torch.zeros(400, 4, 4, 1))
    assert torch.equal(zooms["height_zoom"], zooms["width_zoom"])
    assert zooms["height_zoom"].min() >= 0.8
    assert zooms["height_zoom"].max() <= 1.3
    both = RandomZoom(0.2, width_factor=(0.5, 0.5), seed=0)
    zooms = both.get_random_transformation(torch.zeros(10, 4, 4, 1))
    assert torch.allclose(zooms["width_zoom"], torch.tensor(1.5))


def test_bad_factors():
    with pytest.raises(ValueError, match="height_factor"):
        RandomZoom(-1.0)
    with pytest.raises(ValueError, match="width_factor"):
        RandomZoom(0.1, width_factor=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="interpolation"):
        RandomZoom(0.1, interpolation="area")
