"""RandomElasticTransform: Keras's warp given the same noise, inference,
draw statistics, seeding, dtypes, masks and errors.

Keras on torch draws the noise field from torch's global generator (its
`seed` is not used there), so the warp is compared by handing both layers
the same noise: Keras's through the global generator, Lamina's through the
transformation. The tolerance, 1e-3 on a 0-255 scale, absorbs float32
rounding: Lamina blurs with two 1D passes, Keras with one 2D kernel (their
outer product).
"""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing

Layer = preprocessing.RandomElasticTransform


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(
        "float32")


@pytest.mark.parametrize("shape,kwargs,distortion", [
    ((2, 16, 20, 3), {}, 0.7),
    ((3, 3, 17, 11), {"data_format": "channels_first", "fill_mode":
                      "constant", "fill_value": 9.0}, 1.0),
    ((2, 16, 16, 1), {"interpolation": "nearest", "fill_mode": "wrap"}, 0.9),
    ((2, 16, 16, 2), {"fill_mode": "mirror"}, 0.5),
    ((2, 12, 16, 2), {"fill_mode": "nearest", "value_range": (20, 200)},
     0.3),
])
def test_warp_matches_keras_given_the_same_noise(keras_ref, shape, kwargs,
                                                 distortion):
    x = torch.from_numpy(_images(shape))
    batch = shape[0]
    if kwargs.get("data_format") == "channels_first":
        height, width = shape[2:]
    else:
        height, width = shape[1:3]
    apply = torch.tensor([True] * (batch - 1) + [False])
    torch.manual_seed(0)
    dx = torch.normal(0.0, 1.0, size=(batch, height, width))
    dy = torch.normal(0.0, 1.0, size=(batch, height, width))
    torch.manual_seed(0)
    theirs = keras_ref.layers.RandomElasticTransform(**kwargs)
    expected = theirs._transform_images(
        x, {"apply_transform": apply, "seed": None,
            "distortion_factor": torch.tensor(distortion)},
        theirs.interpolation)
    got = Layer(**kwargs).transform_images(
        x, {"apply_transform": apply, "noise": torch.stack([dx, dy]),
            "distortion_factor": torch.tensor(distortion)})
    np.testing.assert_allclose(got.cpu().numpy(), expected.cpu().numpy(),
                               atol=1e-3)
    assert not torch.allclose(got[0], x[0])
    torch.testing.assert_close(got[-1], x[-1].clamp(
        *kwargs.get("value_range", (0, 255))))


def test_inference_is_identity_and_config_matches_keras(keras_compare):
    x = _images((2, 9, 12, 3))
    keras_compare("RandomElasticTransform", {}, x, training=False)
    keras_compare("RandomElasticTransform", {
        "factor": (0.2, 0.6), "scale": 0.3, "interpolation": "nearest",
        "fill_mode": "constant", "fill_value": 3.0, "value_range": (0, 1),
        "seed": 4}, x / 255, training=False)


def test_harness(keras_ref):
    run_layer_test(Layer, {"seed": 1}, input_data=_images((2, 8, 6, 3)),
                   expected_output_shape=(2, 8, 6, 3),
                   run_training_check=False, keras_reference=keras_ref)


def test_fraction_of_transformed_images_follows_factor():
    x = torch.from_numpy(_images((1200, 6, 6, 1)))
    # The probability is uniform in [0, 0.5]: on average 1/4 of images.
    out = Layer(factor=0.5, scale=(0.8, 1.0), seed=2)(x)
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.25) < 0.05
    assert torch.equal(Layer(factor=0.0, seed=2)(x), x)
    assert torch.equal(Layer(scale=0.0, seed=2)(x), x)
    always = Layer(factor=(1.0, 1.0), scale=(1.0, 1.0), seed=2)(x[:50])
    assert (always != x[:50]).flatten(1).any(1).all()


def test_seeded_draws_repeat_and_calls_differ():
    x = torch.from_numpy(_images((3, 16, 16, 3)))
    first, second = Layer(seed=7), Layer(seed=7)
    a = first(x)
    torch.testing.assert_close(a, second(x))
    assert not torch.equal(a, first(x))
    assert not torch.equal(a, Layer(seed=8)(x))
    assert a.min() >= 0 and a.max() <= 255


def test_dtypes_and_single_image():
    ints = torch.from_numpy(_images((2, 10, 10, 3))).to(torch.uint8)
    out = Layer(seed=0)(ints)
    assert out.dtype == torch.float32 and out.shape == ints.shape
    single = Layer(seed=0)(torch.from_numpy(_images((10, 12, 3))))
    assert single.shape == (10, 12, 3)
    half = Layer(seed=0, dtype="float64")(ints)
    assert half.dtype == torch.float64


def test_masks_follow_the_images_field():
    rng = np.random.default_rng(3)
    masks = torch.from_numpy(rng.integers(0, 4, (4, 32, 32, 1)))
    images = masks.to(torch.float32) * 50.0
    layer = Layer(interpolation="nearest", factor=(1.0, 1.0),
                  scale=(1.0, 1.0), seed=5)
    out = layer({"images": images, "segmentation_masks": masks,
                 "labels": torch.arange(4)})
    warped = out["segmentation_masks"]
    assert warped.shape == masks.shape
    assert not torch.equal(warped, masks.to(warped.dtype))
    torch.testing.assert_close(out["images"], warped * 50.0)
    assert torch.equal(out["labels"], torch.arange(4))
    inference = layer({"images": images, "segmentation_masks": masks},
                      training=False)
    assert torch.equal(inference["segmentation_masks"], masks)


def test_bounding_boxes_are_refused():
    boxes = {"boxes": torch.zeros(1, 1, 4), "labels": torch.zeros(1, 1)}
    data = {"images": torch.zeros(1, 8, 8, 3), "bounding_boxes": boxes}
    with pytest.raises(ValueError, match="bounding box format"):
        Layer()(dict(data))
    with pytest.raises(ValueError, match="bounding_boxes"):
        Layer(bounding_box_format="xyxy")(dict(data))


@pytest.mark.parametrize("kwargs,match", [
    ({"factor": 1.5}, "factor"), ({"scale": (0.2, 2.0, 3.0)}, "scale"),
    ({"interpolation": "bicubic"}, "interpolation"),
    ({"fill_mode": "edge"}, "fill_mode"),
    ({"value_range": 255}, "value_range"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Layer(**kwargs)
