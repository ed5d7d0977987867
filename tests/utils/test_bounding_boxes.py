"""keras.utils.bounding_boxes.convert_format against Keras 3: every pair of
formats."""

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
    ("xyxy", False, False), ("yxyx", True, False),
    ("center_xywh", True, True), ("rel_xyxy", False, True)])
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


@pytest.mark.parametrize("fmt", ["xyxy", "center_yxhw"])
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
