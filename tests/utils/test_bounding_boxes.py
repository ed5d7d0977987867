"""keras.utils.bounding_boxes against Keras 3: convert_format on every pair
of formats, IoU and CIoU in every format, clipping/cropping/padding,
affine_transform and the anchor delta encoding on random boxes."""

import itertools

import numpy as np
import pytest
import torch

from lamina.utils import bounding_boxes

FORMATS = bounding_boxes.SUPPORTED_FORMATS


@pytest.mark.parametrize("source,target",
                         list(itertools.product(FORMATS, FORMATS)))
def test_convert_format_matches_keras(keras_ref, source, target):
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0, 1, (2, 3, 4)).astype("float32")
    if not source.startswith("rel_"):
        boxes = boxes * 100
    ours = bounding_boxes.convert_format(boxes, source, target, height=80,
                                         width=120)
    theirs = keras_ref.utils.bounding_boxes.convert_format(
        boxes.copy(), source, target, height=80, width=120)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-4)


def test_dicts_and_errors():
    data = {"boxes": [[10, 20, 30, 40]], "labels": [1]}
    out = bounding_boxes.convert_format(data, "xyxy", "xywh")
    torch.testing.assert_close(out["boxes"], torch.tensor([[10., 20., 20.,
                                                             20.]]))
    assert out["labels"] == [1]
    with pytest.raises(ValueError, match="last dimension of 4"):
        bounding_boxes.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="height"):
        bounding_boxes.convert_format(np.zeros((2, 4)), "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="Supported formats"):
        bounding_boxes.convert_format(np.zeros((2, 4)), "xyxy", "polar")


def test_clip_crop_pad_match_keras(keras_ref):
    rng = np.random.default_rng(1)
    # Sorted coordinates: x1 <= y1 <= x2 <= y2, so x1 <= x2 and y1 <= y2;
    # some boxes reach outside the 100 x 60 image.
    boxes = np.sort(rng.uniform(-20, 140, (2, 5, 4)).astype("float32"),
                    axis=-1)
    labels = rng.integers(0, 4, (2, 5)).astype("float32")
    kb = keras_ref.utils.bounding_boxes
    ours = bounding_boxes.clip_to_image_size(
        {"boxes": boxes, "labels": labels}, height=60, width=100)
    theirs = kb.clip_to_image_size({"boxes": boxes.copy(),
                                    "labels": labels.copy()},
                                   height=60, width=100)
    for key in ("boxes", "labels"):
        np.testing.assert_allclose(ours[key].cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(
                                       theirs[key]))
    rel = boxes / 120
    ours = bounding_boxes.clip_to_image_size(
        {"boxes": rel}, bounding_box_format="rel_xyxy")
    theirs = kb.clip_to_image_size({"boxes": rel.copy()},
                                   bounding_box_format="rel_xyxy")
    np.testing.assert_allclose(ours["boxes"].cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(
                                   theirs["boxes"]), atol=1e-6)
    np.testing.assert_allclose(
        bounding_boxes.crop(boxes, 10, 5, 50, 60).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(kb.crop(boxes, 10, 5, 50, 60)))
    np.testing.assert_allclose(
        bounding_boxes.pad(boxes, 7, 3).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(kb.pad(boxes, 7, 3)))
    with pytest.raises(ValueError, match="height"):
        bounding_boxes.clip_to_image_size({"boxes": boxes})
    with pytest.raises(ValueError, match="bounding_box_format"):
        bounding_boxes.crop(boxes, 0, 0, 5, 5, bounding_box_format="xywh")


@pytest.mark.parametrize("fmt,batched,masking", [
    (fmt, index % 2 == 0, index % 3 == 0)
    for index, fmt in enumerate(FORMATS)])
def test_compute_iou_matches_keras(keras_ref, fmt, batched, masking):
    rng = np.random.default_rng(2)
    shape = (2, 5, 4) if batched else (5, 4)
    corner = rng.uniform(0, 0.6, shape[:-1] + (2,))
    size = rng.uniform(0.05, 0.4, shape[:-1] + (2,))
    xyxy = np.concatenate([corner, corner + size], -1).astype("float32")
    image_shape = (80, 100, 3)
    scale = 1 if fmt.startswith("rel") else 100
    boxes = keras_ref.ops.convert_to_numpy(
        keras_ref.utils.bounding_boxes.convert_format(
            xyxy * scale, "rel_xyxy" if fmt.startswith("rel") else "xyxy",
            fmt, height=80, width=100))
    other = boxes[..., ::-1, :].copy()
    if masking:
        other[..., 0, :] = -1
    ours = bounding_boxes.compute_iou(boxes, other, fmt, use_masking=masking,
                                      image_shape=image_shape)
    theirs = keras_ref.utils.bounding_boxes.compute_iou(
        boxes, other, fmt, use_masking=masking, image_shape=image_shape)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if "rel" not in f])
def test_compute_ciou_matches_keras(keras_ref, fmt):
    rng = np.random.default_rng(3)
    corner = rng.uniform(0, 60, (2, 6, 2))
    size = rng.uniform(5, 40, (2, 6, 2))
    xyxy = np.concatenate([corner, corner + size], -1).astype("float32")
    boxes = keras_ref.ops.convert_to_numpy(
        keras_ref.utils.bounding_boxes.convert_format(xyxy, "xyxy", fmt))
    other = boxes[:, ::-1].copy()
    ours = bounding_boxes.compute_ciou(boxes, other, fmt)
    theirs = keras_ref.utils.bounding_boxes.compute_ciou(boxes, other, fmt)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-6)


def _random_xyxy(rng, shape, low=0.0, high=60.0):
    corner = rng.uniform(low, high, shape + (2,))
    size = rng.uniform(2, 30, shape + (2,))
    return np.concatenate([corner, corner + size], -1).astype("float32")


@pytest.mark.parametrize("case", range(4))
def test_affine_transform_matches_keras(keras_ref, case):
    rng = np.random.default_rng(10 + case)
    batch = 3
    boxes = _random_xyxy(rng, (batch, 5))
    params = {
        "angle": rng.uniform(-180, 180, batch),
        "translate_x": rng.uniform(-0.3, 0.3, batch),
        "translate_y": rng.uniform(-0.3, 0.3, batch),
        "scale": rng.uniform(0.5, 1.5, batch),
        "shear_x": rng.uniform(-20, 20, batch) * (case > 1),
        "shear_y": rng.uniform(-20, 20, batch) * (case > 2),
    }
    params = {k: v.astype("float32") for k, v in params.items()}
    centers = {} if case % 2 else {"center_x": 0.3, "center_y": 0.6}
    ours = bounding_boxes.affine_transform(boxes, **params, height=70,
                                           width=90, **centers)
    theirs = keras_ref.utils.bounding_boxes.affine_transform(
        torch.tensor(boxes), **{k: torch.tensor(v)
                                for k, v in params.items()},
        height=70, width=90, **centers)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-3)
    # One image: (N, 4) boxes and scalar parameters.
    single = bounding_boxes.affine_transform(
        boxes[0], **{k: float(v[0]) for k, v in params.items()}, height=70,
        width=90, **centers)
    torch.testing.assert_close(single, ours[0], rtol=1e-5, atol=1e-3)


def test_affine_transform_rotates_a_box_about_the_centre():
    # A quarter turn of the 21 x 21 image about pixel (10, 10).
    out = bounding_boxes.affine_transform(
        [[0.0, 0.0, 10.0, 20.0]], angle=90.0, translate_x=0.0,
        translate_y=0.0, scale=1.0, shear_x=0.0, shear_y=0.0, height=21,
        width=21)
    torch.testing.assert_close(out, torch.tensor([[0.0, 10.0, 20.0, 20.0]]),
                               atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="bounding_box_format"):
        bounding_boxes.affine_transform(
            [[0.0, 0.0, 1.0, 1.0]], 0, 0, 0, 1, 0, 0, 5, 5,
            bounding_box_format="xywh")


@pytest.mark.parametrize("anchor_format,box_format,encoding,variance", [
    ("xyxy", "xyxy", "center_yxhw", None),
    ("xywh", "center_xywh", "center_xywh", [0.1, 0.1, 0.2, 0.2]),
    ("yxyx", "rel_xyxy", "center_yxhw", [0.5, 0.5, 1.0, 1.0]),
    ("rel_center_xywh", "rel_yxyx", "center_xywh", None)])
def test_delta_encoding_matches_keras(keras_ref, anchor_format, box_format,
                                      encoding, variance):
    rng = np.random.default_rng(20)
    height, width = 80, 100
    kb = keras_ref.utils.bounding_boxes

    def as_format(xyxy, fmt):
        return keras_ref.ops.convert_to_numpy(kb.convert_format(
            xyxy, "xyxy", fmt, height=height, width=width))

    anchors = as_format(_random_xyxy(rng, (6,)), anchor_format)
    boxes = as_format(_random_xyxy(rng, (2, 6)), box_format)
    image_shape = (height, width, 3)
    ours = bounding_boxes.encode_box_to_deltas(
        anchors, boxes, anchor_format, box_format, encoding, variance,
        image_shape)
    theirs = kb.encode_box_to_deltas(anchors, boxes, anchor_format,
                                     box_format, encoding, variance,
                                     image_shape)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-5)
    decoded = bounding_boxes.decode_deltas_to_boxes(
        anchors, ours, anchor_format, box_format, encoding, variance,
        image_shape)
    theirs = kb.decode_deltas_to_boxes(anchors, theirs, anchor_format,
                                       box_format, encoding, variance,
                                       image_shape)
    np.testing.assert_allclose(decoded.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(decoded.cpu().numpy(), boxes, rtol=1e-4,
                               atol=1e-4)


def test_decoding_levels_and_errors():
    anchors = {"P3": torch.tensor([[0., 0., 10., 10.]]),
               "P4": torch.tensor([[5., 5., 25., 15.]])}
    deltas = {"P3": torch.zeros(1, 4), "P4": torch.zeros(2, 1, 4)}
    out = bounding_boxes.decode_deltas_to_boxes(anchors, deltas, "xyxy",
                                                "xyxy")
    torch.testing.assert_close(out["P3"], anchors["P3"])
    torch.testing.assert_close(out["P4"], anchors["P4"].expand(2, 1, 4))
    with pytest.raises(ValueError, match="variance"):
        bounding_boxes.encode_box_to_deltas(anchors["P3"], anchors["P3"],
                                            "xyxy", "xyxy",
                                            variance=[1.0, 1.0])
    with pytest.raises(ValueError, match="encoding_format"):
        bounding_boxes.encode_box_to_deltas(anchors["P3"], anchors["P3"],
                                            "xyxy", "xyxy",
                                            encoding_format="xyxy")
    with pytest.raises(ValueError, match="encoded_format"):
        bounding_boxes.decode_deltas_to_boxes(anchors["P3"], deltas["P3"],
                                              "xyxy", "xyxy",
                                              encoded_format="xywh")


def test_bad_arguments_are_named():
    boxes = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"`angle` to be one number or one "
                       r"per image \(2 .*shape \(3,\)"):
        bounding_boxes.affine_transform(boxes, [1.0, 2.0, 3.0], 0.0, 0.0,
                                        1.0, 0.0, 0.0, 8, 8)
    with pytest.raises(ValueError, match="a dict with a 'boxes' key"):
        bounding_boxes.clip_to_image_size({"box": boxes}, 5, 5)
    with pytest.raises(ValueError, match=r"one label per box.*\(2, 3\).*"
                       r"labels.shape=\(2, 4\)"):
        bounding_boxes.clip_to_image_size(
            {"boxes": boxes, "labels": torch.zeros(2, 4)}, 5, 5)


def test_clip_marks_whole_label_rows_of_empty_boxes():
    # Labels with a trailing class axis (one-hot rows): an emptied box's
    # row becomes -1, as a single label would.
    boxes = torch.tensor([[[0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 6.0]]])
    out = bounding_boxes.clip_to_image_size(
        {"boxes": boxes, "labels": torch.ones(1, 2, 3)}, 4, 4)
    torch.testing.assert_close(
        out["labels"], torch.tensor([[[1.0] * 3, [-1.0] * 3]]))
    single = bounding_boxes.clip_to_image_size(
        {"boxes": boxes, "labels": torch.ones(1, 2)}, 4, 4)
    torch.testing.assert_close(single["labels"],
                               torch.tensor([[1.0, -1.0]]))


def test_deltas_name_boxes_that_do_not_pair_with_the_anchors():
    anchors = torch.zeros(3, 4)
    with pytest.raises(ValueError, match=r"encode_box_to_deltas\(\) expects "
                       r"one of `boxes` per anchor.*\(3, 4\).*boxes.shape="
                       r"\(2, 4\)"):
        bounding_boxes.encode_box_to_deltas(anchors, torch.zeros(2, 4),
                                            "xyxy", "xyxy")
    with pytest.raises(ValueError, match=r"decode_deltas_to_boxes\(\) "
                       r"expects one of `boxes_delta` per anchor"):
        bounding_boxes.decode_deltas_to_boxes(anchors, torch.zeros(5, 2, 4),
                                              "xyxy", "xyxy")
    batched = bounding_boxes.encode_box_to_deltas(
        torch.ones(3, 4), torch.ones(5, 3, 4) * 2, "xyxy", "xyxy")
    assert batched.shape == (5, 3, 4)


def test_iou_names_boxes_that_do_not_pair():
    with pytest.raises(ValueError, match=r"same batch size.*boxes1.shape="
                       r"\(2, 3, 4\), boxes2.shape=\(5, 4, 4\)"):
        bounding_boxes.compute_iou(torch.zeros(2, 3, 4), torch.zeros(5, 4, 4),
                                   "xyxy")
    with pytest.raises(ValueError, match=r"compute_ciou\(\).*boxes1.shape="
                       r"\(3, 4\), boxes2.shape=\(2, 4\)"):
        bounding_boxes.compute_ciou(torch.zeros(3, 4), torch.zeros(2, 4),
                                    "xyxy")
