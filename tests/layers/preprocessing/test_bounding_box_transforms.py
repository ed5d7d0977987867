"""Bounding boxes through the image layers.

Each layer's `transform_bounding_boxes` is compared with Keras 3's given
the same transformation (Lamina's draw, handed to Keras in its own
layout), in several box formats; a filled rectangle drawn in the image
must stay under its transformed box; ragged lists, unbatched images,
pass-through layers and the errors are checked too."""

import numpy as np
import pytest
import torch

from lamina.layers import preprocessing as P
from lamina.utils import bounding_boxes as box_utils

FORMATS = ("xyxy", "rel_yxyx", "center_xywh")


def _xyxy(rng, batch, count, height, width):
    """Random boxes inside a `height` x `width` image."""
    x = np.sort(rng.uniform(0, width, (batch, count, 2)), -1)
    y = np.sort(rng.uniform(0, height, (batch, count, 2)), -1)
    return np.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]],
                    -1).astype("float32")


def _boxes(fmt, height, width, batch=3, count=4, seed=0):
    rng = np.random.default_rng(seed)
    xyxy = _xyxy(rng, batch, count, height, width)
    boxes = box_utils.convert_format(xyxy, "xyxy", fmt, height, width)
    labels = torch.as_tensor(rng.integers(0, 5, (batch, count)))
    return {"boxes": boxes, "labels": labels}


def _copy(boxes):
    return {k: v.clone() for k, v in boxes.items()}


def _compare(keras_ref, ours, keras_layer, boxes, keras_transformation,
             our_transformation, atol=1e-4, labels=True):
    theirs = keras_layer.transform_bounding_boxes(
        _copy(boxes), keras_transformation, training=True)
    mine = ours.transform_bounding_boxes(_copy(boxes), our_transformation,
                                         training=True)
    np.testing.assert_allclose(
        mine["boxes"].cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs["boxes"]), atol=atol,
        rtol=1e-5)
    if labels:
        np.testing.assert_array_equal(
            mine["labels"].cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs["labels"]))
    return mine


def _images(batch, height, width):
    return torch.zeros(batch, height, width, 1)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", ["horizontal", "vertical",
                                  "horizontal_and_vertical"])
def test_flip_matches_keras(keras_ref, fmt, mode):
    ours = P.RandomFlip(mode, seed=1, bounding_box_format=fmt)
    theirs = keras_ref.layers.RandomFlip(mode, bounding_box_format=fmt)
    drawn = ours.get_random_transformation(_images(6, 20, 30))
    boxes = _boxes(fmt, 20, 30, batch=6)
    _compare(keras_ref, ours, theirs, boxes, drawn, drawn)


@pytest.mark.parametrize("fmt", FORMATS)
def test_translation_zoom_shear_match_keras(keras_ref, fmt):
    images = _images(4, 24, 24)
    boxes = _boxes(fmt, 24, 24, batch=4)
    cases = [
        (P.RandomTranslation, keras_ref.layers.RandomTranslation,
         {"height_factor": 0.3, "width_factor": 0.3}),
        (P.RandomZoom, keras_ref.layers.RandomZoom,
         {"height_factor": (-0.4, 0.4), "width_factor": (-0.3, 0.5)}),
        (P.RandomShear, keras_ref.layers.RandomShear,
         {"x_factor": 0.3, "y_factor": 0.3}),
    ]
    for ours_cls, keras_cls, kwargs in cases:
        ours = ours_cls(**kwargs, seed=3, bounding_box_format=fmt)
        theirs = keras_cls(**kwargs, bounding_box_format=fmt)
        drawn = ours.get_random_transformation(images)
        _compare(keras_ref, ours, theirs, boxes, drawn, drawn)


def test_rotation_matches_keras(keras_ref):
    # Keras feeds the boxes to its affine transform unconverted, so it is
    # right for "xyxy" only; other formats are checked through "xyxy".
    ours = P.RandomRotation(0.3, seed=2, bounding_box_format="xyxy")
    theirs = keras_ref.layers.RandomRotation(0.3,
                                             bounding_box_format="xyxy")
    drawn = ours.get_random_transformation(_images(5, 20, 30))
    keras_drawn = {"angle": drawn["angle"], "image_height": 20,
                   "image_width": 30, "batch_size": 5}
    boxes = _boxes("xyxy", 20, 30, batch=5)
    expected = _compare(keras_ref, ours, theirs, boxes, keras_drawn, drawn,
                        atol=2e-4)
    rel = P.RandomRotation(0.3, bounding_box_format="rel_xyxy")
    out = rel.transform_bounding_boxes(
        box_utils.convert_format(_copy(boxes), "xyxy", "rel_xyxy", 20, 30),
        drawn)
    torch.testing.assert_close(
        box_utils.convert_format(out["boxes"], "rel_xyxy", "xyxy", 20, 30),
        expected["boxes"], atol=2e-4, rtol=0)


def test_perspective_matches_keras(keras_ref):
    # Keras returns "xyxy" boxes whatever the layer's format; Lamina
    # converts back, so the comparison is in "xyxy".
    ours = P.RandomPerspective(factor=(0.5, 1.0), scale=0.6, seed=4,
                               bounding_box_format="xyxy")
    theirs = keras_ref.layers.RandomPerspective(
        factor=(0.5, 1.0), scale=0.6, bounding_box_format="xyxy")
    drawn = ours.get_random_transformation(_images(6, 20, 30))
    boxes = _boxes("xyxy", 20, 30, batch=6)
    _compare(keras_ref, ours, theirs, boxes, drawn, drawn, atol=2e-3)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("size", [(20, 30), (40, 12)])
def test_center_crop_matches_keras(keras_ref, fmt, size):
    ours = P.CenterCrop(16, 24, bounding_box_format=fmt)
    theirs = keras_ref.layers.CenterCrop(16, 24, bounding_box_format=fmt)
    drawn = ours.get_random_transformation(_images(3, *size))
    boxes = _boxes(fmt, *size)
    _compare(keras_ref, ours, theirs, boxes, drawn, drawn)


@pytest.mark.parametrize("fmt", ["xyxy", "center_xywh"])
@pytest.mark.parametrize("mode", ["stretch", "pad", "crop"])
@pytest.mark.parametrize("size", [(20, 30), (36, 14)])
def test_resizing_matches_keras(keras_ref, fmt, mode, size):
    kwargs = {"pad_to_aspect_ratio": mode == "pad",
              "crop_to_aspect_ratio": mode == "crop"}
    ours = P.Resizing(16, 24, bounding_box_format=fmt, **kwargs)
    theirs = keras_ref.layers.Resizing(16, 24, bounding_box_format=fmt,
                                       **kwargs)
    drawn = ours.get_random_transformation(_images(3, *size))
    boxes = _boxes(fmt, *size)
    boxes["boxes"][0, 0] = 0.0  # a padding box stays a zero box
    _compare(keras_ref, ours, theirs, boxes, size, drawn)


def test_random_crop_matches_keras_where_keras_is_right(keras_ref):
    # Keras 3.15 subtracts the vertical offset from x and the horizontal
    # one from y, and clips at zero only: with equal offsets and boxes
    # ending inside the crop, it is right and Lamina agrees.
    ours = P.RandomCrop(20, 20, bounding_box_format="xyxy")
    theirs = keras_ref.layers.RandomCrop(20, 20, bounding_box_format="xyxy")
    drawn = {"top": 5, "left": 5, "random": True,
             "input_shape": (3, 32, 32, 1)}
    rng = np.random.default_rng(5)
    xyxy = _xyxy(rng, 3, 4, 24, 24)
    boxes = {"boxes": torch.tensor(xyxy),
             "labels": torch.as_tensor(rng.integers(0, 5, (3, 4)))}
    boxes["boxes"][..., 2:] = boxes["boxes"][..., 2:].clamp(min=6.0)
    _compare(keras_ref, ours, theirs, boxes, (5, 5), drawn)


def test_max_num_bounding_boxes_matches_keras(keras_ref):
    images = np.zeros((2, 8, 8, 3), "float32")
    boxes = _boxes("xyxy", 8, 8, batch=2, count=5)
    for number in (3, 7):
        ours = P.MaxNumBoundingBoxes(number, bounding_box_format="xyxy")(
            {"images": images, "bounding_boxes": _copy(boxes)})
        theirs = keras_ref.layers.MaxNumBoundingBoxes(
            number, bounding_box_format="xyxy")(
            {"images": torch.tensor(images), "bounding_boxes": _copy(boxes)})
        for key in ("boxes", "labels"):
            np.testing.assert_allclose(
                ours["bounding_boxes"][key].cpu().numpy(),
                keras_ref.ops.convert_to_numpy(
                    theirs["bounding_boxes"][key]))


def test_mix_up_joins_each_image_with_its_partner(keras_ref):
    ours = P.MixUp(seed=0, bounding_box_format="xyxy")
    theirs = keras_ref.layers.MixUp(bounding_box_format="xyxy")
    drawn = ours.get_random_transformation(_images(4, 8, 8))
    boxes = _boxes("xyxy", 8, 8, batch=4, count=2)
    mine = _compare(keras_ref, ours, theirs, boxes, drawn, drawn,
                    labels=False)
    order = drawn["permutation_order"]
    # Keras joins the labels along the batch axis; Lamina keeps them with
    # their boxes.
    torch.testing.assert_close(
        mine["labels"], torch.cat([boxes["labels"],
                                   boxes["labels"][order]], 1))


@pytest.mark.parametrize("name,kwargs", [
    ("RandomBrightness", {"factor": 0.2}), ("RandomInvert", {}),
    ("Solarization", {"addition_factor": 0.2}),
    ("RandomContrast", {"factor": 0.2}),
    ("AutoContrast", {}), ("RandomErasing", {}), ("AugMix", {})])
def test_colour_layers_pass_boxes_through_as_keras(keras_ref, name, kwargs):
    images = np.random.default_rng(6).uniform(
        0, 255, (2, 10, 12, 3)).astype("float32")
    boxes = _boxes("xyxy", 10, 12, batch=2)
    ours = getattr(P, name)(**kwargs, bounding_box_format="xyxy")(
        {"images": images, "bounding_boxes": _copy(boxes)})
    theirs = getattr(keras_ref.layers, name)(
        **kwargs, bounding_box_format="xyxy")(
        {"images": torch.tensor(images), "bounding_boxes": _copy(boxes)})
    for key in ("boxes", "labels"):
        np.testing.assert_allclose(
            ours["bounding_boxes"][key].cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs["bounding_boxes"][key]))


# --- boxes stay on their pixels -------------------------------------------

def _rectangle_data(height, width, box, fmt="xyxy", batch=2):
    """Images with the pixels of `box` (integer `"xyxy"`) set to 1, in
    channel 0, and that box as the only one, in `fmt`."""
    x1, y1, x2, y2 = box
    images = torch.zeros(batch, height, width, 2)
    images[:, y1:y2, x1:x2, 0] = 1.0
    boxes = box_utils.convert_format(
        torch.tensor([[box]] * batch, dtype=torch.float32), "xyxy", fmt,
        height, width)
    return {"images": images,
            "bounding_boxes": {"boxes": boxes,
                               "labels": torch.ones(batch, 1,
                                                    dtype=torch.int64)}}


def _pixel_box(image):
    """The `"xyxy"` box around an image's lit pixels (channel 0)."""
    rows = torch.nonzero(image[..., 0].amax(1) > 0.5).flatten()
    cols = torch.nonzero(image[..., 0].amax(0) > 0.5).flatten()
    return torch.tensor([cols.min(), rows.min(), cols.max() + 1,
                         rows.max() + 1], dtype=torch.float32)


ALIGNED = [
    (P.RandomFlip, {}, 0.0),
    (P.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2,
                           "fill_mode": "constant",
                           "interpolation": "nearest"}, 1.0),
    (P.RandomZoom, {"height_factor": 0.3, "width_factor": (-0.3, 0.3),
                    "fill_mode": "constant", "interpolation": "nearest"},
     1.5),
    (P.RandomRotation, {"factor": 0.1, "fill_mode": "constant",
                        "interpolation": "nearest"}, 1.5),
    (P.RandomShear, {"x_factor": 0.3, "fill_mode": "constant",
                     "interpolation": "nearest"}, 1.5),
    (P.RandomShear, {"y_factor": 0.3, "fill_mode": "constant",
                     "interpolation": "nearest"}, 1.5),
    (P.RandomPerspective, {"scale": 0.4, "interpolation": "nearest"}, 2.0),
    (P.RandomCrop, {"height": 24, "width": 30}, 0.0),
    (P.CenterCrop, {"height": 24, "width": 30}, 0.0),
    (P.CenterCrop, {"height": 40, "width": 30}, 1.5),
    (P.Resizing, {"height": 20, "width": 24, "interpolation": "nearest"},
     1.0),
    (P.Resizing, {"height": 24, "width": 24, "interpolation": "nearest",
                  "pad_to_aspect_ratio": True}, 1.0),
    (P.Resizing, {"height": 24, "width": 24, "interpolation": "nearest",
                  "crop_to_aspect_ratio": True}, 1.0),
]


@pytest.mark.parametrize("cls,kwargs,tolerance", ALIGNED,
                         ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("fmt", ["xyxy", "rel_center_xywh"])
def test_a_drawn_rectangle_stays_under_its_box(cls, kwargs, tolerance, fmt):
    seeded = {"seed": 7} if "seed" in cls.__init__.__code__.co_varnames \
        else {}
    layer = cls(**kwargs, **seeded, bounding_box_format=fmt)
    data = _rectangle_data(32, 40, (12, 9, 27, 20), fmt)
    for _ in range(3):  # a few draws
        out = layer(dict(data))
        boxes = box_utils.convert_format(
            out["bounding_boxes"]["boxes"], fmt, "xyxy",
            *out["images"].shape[1:3])
        for image, box in zip(out["images"], boxes):
            torch.testing.assert_close(_pixel_box(image), box[0],
                                       atol=tolerance + 1e-4, rtol=0)


def test_random_crop_inference_boxes_follow_the_centred_resize():
    # At inference RandomCrop shows the centred window with the target's
    # aspect ratio, resized; the boxes follow it.
    layer = P.RandomCrop(16, 16, bounding_box_format="xyxy")
    data = _rectangle_data(32, 40, (12, 9, 27, 20))
    out = layer(dict(data), training=False)
    assert out["images"].shape == (2, 16, 16, 2)
    # The 32 x 32 window from x = 4, halved.
    torch.testing.assert_close(out["bounding_boxes"]["boxes"][:, 0],
                               torch.tensor([[4.0, 4.5, 11.5, 10.0]] * 2))


@pytest.mark.parametrize("cls,kwargs,tolerance", ALIGNED,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_masks_take_the_images_draw(cls, kwargs, tolerance):
    seeded = {"seed": 8} if "seed" in cls.__init__.__code__.co_varnames \
        else {}
    layer = cls(**kwargs, **seeded, bounding_box_format="xyxy")
    data = _rectangle_data(32, 40, (12, 9, 27, 20), batch=4)
    data["segmentation_masks"] = data["images"][..., :1].to(torch.int32)
    out = layer(data)
    masks = out["segmentation_masks"]
    assert masks.shape == out["images"][..., :1].shape
    # Nearest-neighbour (or the same) resampling of the same draw.
    torch.testing.assert_close(masks.float(), out["images"][..., :1],
                               atol=1e-5, rtol=0)


def test_rand_augment_and_pipeline_keep_boxes_on_their_pixels():
    data = _rectangle_data(32, 32, (10, 8, 22, 20))
    data["images"] = data["images"] * 255
    layer = P.RandAugment(num_ops=3, factor=0.3, interpolation="nearest",
                          seed=3, bounding_box_format="xyxy")
    # Geometric picks only, on a black background: the rectangle is the
    # only lit region (colour operations would light the background).
    for augmenter in layer._augmenters[:3]:
        augmenter.fill_mode = "constant"
    drawn = layer.get_random_transformation(data["images"])
    drawn["layer_idxes"] = torch.tensor([0, 2, 1])
    drawn["transforms"] = [layer._augmenters[i].get_random_transformation(
        data["images"]) for i in (0, 2, 1)]
    images = layer.transform_images(data["images"], drawn)
    boxes = layer.transform_bounding_boxes(_copy(data["bounding_boxes"]),
                                           drawn)
    masks = layer.transform_segmentation_masks(data["images"][..., :1] / 255,
                                               drawn)
    torch.testing.assert_close(masks, images[..., :1] / 255)
    for image, box in zip(images, boxes["boxes"]):
        # Three warps in a row: each corner may drift by a pixel or two.
        torch.testing.assert_close(_pixel_box(image / 255), box[0], atol=3.5,
                                   rtol=0)
    pipeline = P.Pipeline([
        P.RandomFlip(seed=1, bounding_box_format="xyxy"),
        P.RandomTranslation(0.2, 0.2, fill_mode="constant",
                            interpolation="nearest", seed=2,
                            bounding_box_format="xyxy")])
    out = pipeline(dict(data))
    for image, box in zip(out["images"], out["bounding_boxes"]["boxes"]):
        torch.testing.assert_close(_pixel_box(image / 255), box[0], atol=1.0,
                                   rtol=0)


# --- input forms and errors ------------------------------------------------

@pytest.mark.parametrize("cls,kwargs", [
    (P.RandomFlip, {}), (P.RandomZoom, {"height_factor": 0.3}),
    (P.RandomShear, {"x_factor": 0.3, "y_factor": 0.2}),
    (P.RandomPerspective, {}), (P.CenterCrop, {"height": 5, "width": 9}),
    (P.Resizing, {"height": 9, "width": 7, "pad_to_aspect_ratio": True})])
def test_channels_first_moves_boxes_as_channels_last(cls, kwargs):
    boxes = _boxes("rel_xyxy", 10, 14, batch=4)
    last = cls(**kwargs, bounding_box_format="rel_xyxy",
               data_format="channels_last")
    first = cls(**kwargs, bounding_box_format="rel_xyxy",
                data_format="channels_first")
    drawn = last.get_random_transformation(torch.zeros(4, 10, 14, 3))
    drawn = dict(drawn, input_shape=(4, 3, 10, 14))
    expected = last.transform_bounding_boxes(
        _copy(boxes), dict(drawn, input_shape=(4, 10, 14, 3)))
    out = first.transform_bounding_boxes(_copy(boxes), drawn)
    torch.testing.assert_close(out["boxes"], expected["boxes"])


def test_ragged_lists_unbatched_images_and_masks():
    layer = P.RandomFlip("horizontal", seed=0, bounding_box_format="xyxy")
    images = torch.rand(2, 6, 10, 3)
    out = layer({"images": images,
                 "bounding_boxes": {"boxes": [[[0, 0, 2, 2]],
                                              [[1, 1, 3, 3], [4, 0, 5, 6]]],
                                    "labels": [[1], [2, 3]]},
                 "segmentation_masks": torch.zeros(2, 6, 10, 1)})
    # Padded to two boxes per image: a zero box labelled -1.
    assert out["bounding_boxes"]["boxes"].shape == (2, 2, 4)
    assert out["bounding_boxes"]["labels"].tolist()[0] == [1, -1]
    assert out["segmentation_masks"].shape == (2, 6, 10, 1)
    single = P.RandomTranslation(0.0, (0.5, 0.5), seed=0,
                                 bounding_box_format="xyxy")(
        {"images": torch.rand(6, 10, 3),
         "bounding_boxes": {"boxes": [[1.0, 1.0, 3.0, 3.0]], "labels": [4]}})
    torch.testing.assert_close(single["bounding_boxes"]["boxes"],
                               torch.tensor([[6.0, 1.0, 8.0, 3.0]]))
    assert single["bounding_boxes"]["labels"].tolist() == [4]
    # Not training: the boxes are returned as given (densified).
    kept = layer({"images": images, "bounding_boxes": {
        "boxes": np.ones((2, 1, 4), "float32"), "labels": np.ones((2, 1))}},
        training=False)
    assert kept["bounding_boxes"]["boxes"].tolist() == [[[1.0] * 4]] * 2


def test_aug_mix_mixes_masks_like_the_images():
    layer = P.AugMix(num_chains=2, chain_depth=2, all_ops=False,
                     interpolation="nearest", seed=4)
    x = torch.rand(3, 12, 12, 3) * 255
    drawn = layer.get_random_transformation(x)
    # A mask equal to the image goes the same way, bar the colour steps
    # (which leave masks alone) and the final clip: with geometric picks
    # only, the two agree.
    drawn["chains"] = [[0, 2], [1, 7]]  # shear, rotation; translation, none
    drawn["chain_transforms"] = [
        [(p, layer._augmenters[p].get_random_transformation(x))
         if p < len(layer._augmenters) else None for p in chain]
        for chain in drawn["chains"]]
    torch.testing.assert_close(
        layer.transform_segmentation_masks(x, drawn),
        layer.transform_images(x, drawn))
    masks = torch.ones(3, 12, 12, 1, dtype=torch.int32)
    out = layer({"images": x, "segmentation_masks": masks})
    assert out["segmentation_masks"].shape == (3, 12, 12, 1)
