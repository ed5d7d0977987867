"""RandomShear against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


@pytest.mark.parametrize("kwargs", [
    {"x_factor": (0.3, 0.3)},
    {"x_factor": (0.2, 0.2), "y_factor": (0.1, 0.1), "fill_mode": "constant",
     "fill_value": 5.0, "interpolation": "nearest"},
])
def test_matches_keras_with_the_same_draws(keras_ref, images, kwargs):
    # Keras negates both factors for a random half of the images even when
    # they are fixed: compare against its affine transform of our draws.
    layer = preprocessing.RandomShear(seed=0, **kwargs)
    x = torch.tensor(images)
    drawn = layer.get_random_transformation(x)
    ours = layer.transform_images(x, drawn)
    shear = drawn["shear_factor"].detach().cpu().numpy()
    matrix = np.stack([np.ones(2), shear[:, 0], np.zeros(2), shear[:, 1],
                       np.ones(2), np.zeros(2), np.zeros(2), np.zeros(2)],
                      axis=1).astype("float32")
    expected = keras_ref.ops.image.affine_transform(
        images, matrix, interpolation=kwargs.get("interpolation", "bilinear"),
        fill_mode=kwargs.get("fill_mode", "reflect"),
        fill_value=kwargs.get("fill_value", 0.0))
    np.testing.assert_allclose(ours.detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(expected),
                               atol=1e-3)
    np.testing.assert_allclose(np.abs(shear[:, 0]), kwargs["x_factor"][0],
                               rtol=1e-6)


def test_inference_and_config_match_keras(keras_compare, images):
    keras_compare("RandomShear", {"x_factor": 0.2, "y_factor": (0.1, 0.3)},
                  images, training=False)


def test_sign_statistics():
    layer = preprocessing.RandomShear(x_factor=(0.2, 0.2), seed=1)
    drawn = layer.get_random_transformation(torch.zeros(4000, 2, 2, 1))
    negative = (drawn["shear_factor"][:, 0] < 0).float().mean().item()
    assert abs(negative - 0.5) < 0.03


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandomShear,
                   {"x_factor": 0.2, "y_factor": 0.2, "seed": 1},
                   input_shape=(2, 6, 5, 3),
                   expected_output_shape=(2, 6, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="x_factor"):
        preprocessing.RandomShear(x_factor=1.5)
    with pytest.raises(ValueError, match="fill_mode"):
        preprocessing.RandomShear(fill_mode="mirror")
