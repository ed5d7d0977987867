"""ContrastLimitedAdaptiveHistogramEqualization against Keras 3.

Keras on torch counts histogram bins in integers and Lamina does the
same, so both compute the same float32 operations: outputs agree to
float32 rounding (the tolerance, 1e-3 on a 0-255 scale, only absorbs a
different summation order in the cumulative histograms); integer inputs
agree exactly.
"""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing

NAME = "ContrastLimitedAdaptiveHistogramEqualization"


def _skewed(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random(shape) ** 2 * 255).astype("float32")


@pytest.mark.parametrize("shape,kwargs", [
    ((2, 16, 16, 3), {}),
    # Sizes that the grid does not divide: the last row and column
    # repeated (Keras on torch's "symmetric" pad). Clipping off or mild:
    # with the default limit, tiles this small are clipped flat and any
    # padding gives the same output.
    ((2, 19, 13, 3), {"tile_grid_size": (4, 3), "clip_limit": 0}),
    ((2, 19, 13, 3), {"tile_grid_size": (3, 2), "clip_limit": 40.0}),
    # Fewer pixels than tiles: the padding repeats rows more than once.
    ((1, 5, 7, 1), {"tile_grid_size": (4, 4), "clip_limit": 0}),
    ((1, 5, 7, 1), {}),
    ((2, 20, 24, 3), {"clip_limit": 0}),
    # A limit of one count per bin (120-pixel tiles); 1.5 on the default
    # grid's 9-pixel tiles would truncate to 0 and flatten every tile.
    ((2, 20, 24, 3), {"tile_grid_size": (2, 2), "clip_limit": 4.0}),
])
def test_matches_keras(keras_compare, shape, kwargs):
    keras_compare(NAME, kwargs, _skewed(shape), atol=1e-3)


def test_value_range_channels_first_and_integers_match_keras(
        keras_ref, keras_compare):
    keras_compare(NAME, {"value_range": (0, 1)},
                  _skewed((2, 12, 12, 3)) / 255, atol=1e-5)
    x = np.transpose(_skewed((2, 18, 14, 3)), (0, 3, 1, 2))
    keras_compare(NAME, {"data_format": "channels_first",
                         "tile_grid_size": (3, 2)}, x, atol=1e-3)
    # Deterministic: inference equalizes too.
    keras_compare(NAME, {}, _skewed((1, 16, 16, 3)), training=False,
                  atol=1e-3)
    ints = np.random.default_rng(1).integers(0, 256, (2, 16, 16, 3))
    ints = ints.astype("uint8")
    theirs = keras_ref.ops.convert_to_numpy(
        getattr(keras_ref.layers, NAME)()(ints))
    ours = getattr(preprocessing, NAME)()(ints)
    assert ours.dtype == torch.uint8 and theirs.dtype == np.uint8
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs)


def test_spreads_a_dark_image_and_is_batched():
    layer = getattr(preprocessing, NAME)(tile_grid_size=(2, 2))
    x = torch.rand(3, 32, 32, 1) * 60
    out = layer(x)
    assert out.std() > 2 * x.std()
    # One image at a time gives the same as the batch.
    torch.testing.assert_close(layer(x[1:2]), out[1:2])
    torch.testing.assert_close(layer(x[1]), out[1])


def test_boxes_and_masks_pass_through():
    layer = getattr(preprocessing, NAME)(bounding_box_format="xyxy")
    images = torch.from_numpy(_skewed((1, 16, 16, 3)))
    boxes = {"boxes": torch.tensor([[[1.0, 2.0, 9.0, 12.0]]]),
             "labels": torch.tensor([[3]])}
    masks = torch.randint(0, 3, (1, 16, 16, 1))
    out = layer({"images": images, "bounding_boxes": boxes,
                 "segmentation_masks": masks})
    torch.testing.assert_close(out["images"], layer(images))
    torch.testing.assert_close(out["bounding_boxes"]["boxes"],
                               boxes["boxes"])
    assert torch.equal(out["segmentation_masks"], masks)


def test_harness(keras_ref):
    run_layer_test(getattr(preprocessing, NAME), {"tile_grid_size": (2, 2)},
                   input_data=_skewed((2, 8, 6, 3)),
                   expected_output_shape=(2, 8, 6, 3),
                   run_training_check=False, keras_reference=keras_ref,
                   atol=1e-3)


@pytest.mark.parametrize("kwargs,match", [
    ({"tile_grid_size": (0, 2)}, "tile_grid_size"),
    ({"tile_grid_size": 8}, "tile_grid_size"),
    ({"clip_limit": -1}, "clip_limit"),
    ({"value_range": 255}, "value_range"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(preprocessing, NAME)(**kwargs)
