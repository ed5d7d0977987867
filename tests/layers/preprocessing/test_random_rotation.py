import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.preprocessing import RandomRotation


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant",
                                       "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_fixed_angle_matches_keras(keras_compare, images, fill_mode,
                                   interpolation):
    kwargs = {"factor": (0.1, 0.1), "fill_mode": fill_mode,
              "interpolation": interpolation, "fill_value": 3.0}
    keras_compare("RandomRotation", kwargs, images, atol=1e-4)
    keras_compare("RandomRotation", {**kwargs, "factor": (-0.3, -0.3),
                                     "data_format": "channels_first"},
                  np.ascontiguousarray(images.transpose(0, 3, 1, 2)),
                  atol=1e-4)


def test_harness_and_inference_identity(keras_ref, images):
    run_layer_test(RandomRotation, {"factor": 0.2, "seed": 1},
                   input_shape=(2, 6, 7, 3),
                   expected_output_shape=(2, 6, 7, 3),
                   keras_reference=keras_ref)
    layer = RandomRotation(0.5, seed=0)
    np.testing.assert_array_equal(layer(images, training=False).cpu().numpy(),
                                  images)


def test_angles_in_range_and_seeded():
    layer = RandomRotation((-0.1, 0.2), seed=4)
    import torch

    angles = layer.get_random_transformation(torch.zeros(500, 4, 4, 1))[
        "angle"]
    assert angles.min() >= -36.0 and angles.max() <= 72.0
    assert angles.std() > 20.0
    x = np.random.default_rng(0).uniform(size=(3, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(RandomRotation(0.3, seed=2)(x).cpu().numpy(),
                                  RandomRotation(0.3, seed=2)(x).cpu().numpy())


def test_half_turn_reverses_the_image(images):
    out = RandomRotation((0.5, 0.5),
                         interpolation="nearest")(images).cpu().numpy()
    np.testing.assert_allclose(out, images[:, ::-1, ::-1], atol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="interpolation"):
        RandomRotation(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_mode"):
        RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="factor"):
        RandomRotation(1.5)
