"""RandomPerspective against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


@pytest.mark.parametrize("kwargs", [
    {"scale": 0.4},
    {"scale": 0.8, "interpolation": "nearest", "fill_value": 9.0},
])
def test_matches_keras_on_the_same_corners(keras_ref, images, kwargs):
    layer = preprocessing.RandomPerspective(factor=(1.0, 1.0), seed=0,
                                            **kwargs)
    x = torch.tensor(images)
    drawn = layer.get_random_transformation(x)
    ours = layer.transform_images(x, drawn).cpu().numpy()
    expected = keras_ref.ops.image.perspective_transform(
        images, drawn["start_points"].cpu().numpy(), drawn["end_points"].cpu().numpy(),
        interpolation=kwargs.get("interpolation", "bilinear"),
        fill_value=kwargs.get("fill_value", 0.0))
    np.testing.assert_allclose(ours, keras_ref.ops.convert_to_numpy(expected),
                               atol=2e-2)


def test_inference_and_never_applying_match_keras(keras_compare, images):
    keras_compare("RandomPerspective", {"scale": 0.5}, images,
                  training=False)
    keras_compare("RandomPerspective", {"factor": (0.0, 0.0)}, images)


def test_statistics_and_identity():
    x = torch.rand(2000, 6, 6, 1)
    out = preprocessing.RandomPerspective(factor=(0.4, 0.4), seed=1)(x)
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.4) < 0.04
    still = preprocessing.RandomPerspective(scale=0.0, seed=1)(x[:4])
    torch.testing.assert_close(still, x[:4], atol=1e-5, rtol=1e-5)


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandomPerspective, {"seed": 1},
                   input_shape=(2, 6, 5, 3),
                   expected_output_shape=(2, 6, 5, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="scale"):
        preprocessing.RandomPerspective(scale=2)
    with pytest.raises(ValueError, match="interpolation"):
        preprocessing.RandomPerspective(interpolation="bicubic")
