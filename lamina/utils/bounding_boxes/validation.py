"""Checking a `{"boxes", "labels"}` dict and making it dense: the form
image layers take bounding boxes in."""

import numpy as np
import torch


def validate_bounding_boxes(bounding_boxes, owner="bounding_boxes"):
    """Raises a ValueError unless `bounding_boxes` is a dict of `"boxes"`
    and `"labels"` of matching structure."""
    if not isinstance(bounding_boxes, dict) or not {
            "boxes", "labels"} <= set(bounding_boxes):
        raise ValueError(
            f"{owner} expected `bounding_boxes` to be a dict with keys "
            "'boxes' and 'labels'. Received: bounding_boxes="
            f"{bounding_boxes!r}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, (list, tuple)):
        if not isinstance(labels, (list, tuple)) or len(boxes) != len(labels):
            raise ValueError(
                f"{owner}: when `bounding_boxes['boxes']` is a list, "
                "`bounding_boxes['labels']` must be a list of the same "
                f"length. Received: boxes of length {len(boxes)}, labels="
                f"{labels!r}")
        return
    boxes_shape = _shape(boxes, "boxes", owner)
    labels_shape = _shape(labels, "labels", owner)
    allowed = {2: (1, 2), 3: (2, 3)}.get(len(boxes_shape))
    if allowed is None:
        raise ValueError(
            f"{owner} expected `bounding_boxes['boxes']` of rank 2 or 3, "
            "with shape (num_boxes, 4) or (batch_size, num_boxes, 4). "
            f"Received: shape={boxes_shape}")
    if len(labels_shape) not in allowed:
        raise ValueError(
            f"{owner}: with `bounding_boxes['boxes']` of rank "
            f"{len(boxes_shape)}, `bounding_boxes['labels']` must have rank "
            f"{allowed[0]} or {allowed[1]}. Received: shape={labels_shape}")
    # One label (or one row of class scores) per box.
    if labels_shape[:len(boxes_shape) - 1] != boxes_shape[:-1]:
        raise ValueError(
            f"{owner} expected one label per box: `bounding_boxes['labels']`"
            f" of shape {boxes_shape[:-1]} for boxes of shape "
            f"{boxes_shape}. Received: labels.shape={labels_shape}")


def _as_tensor(value, key, owner, device=None, dtype=None):
    """`bounding_boxes[key]` as a tensor, or a ValueError naming it when
    it is not numbers (or ragged where it may not be)."""
    try:
        return torch.as_tensor(value, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"{owner} expected `bounding_boxes['{key}']` to be a tensor, an "
            "array or nested lists of numbers (boxes of 4 numbers). "
            f"Received: {_describe(value)} ({error})") from None


def _shape(value, key, owner):
    return tuple(_as_tensor(value, key, owner).shape)


def _describe(value):
    text = repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{text} of type {type(value).__name__}"


def _check_ragged_image(owner, index, image_boxes, image_labels):
    """One image's boxes of a ragged batch: 4 numbers each, one label
    each."""
    if len(image_boxes) != len(image_labels):
        raise ValueError(
            f"{owner} expected one label per box. Received: image {index} "
            f"of the batch has {len(image_boxes)} boxes and "
            f"{len(image_labels)} labels in `bounding_boxes`")
    for box in image_boxes:
        if np.shape(box) != (4,):
            raise ValueError(
                f"{owner} expected each box in `bounding_boxes['boxes']` to "
                f"hold 4 numbers. Received (image {index}): "
                f"{_describe(box)}")


def _is_ragged_batch(boxes):
    """A list (one entry per image) of lists of 4-number boxes."""
    return isinstance(boxes, (list, tuple)) and any(
        isinstance(image, (list, tuple)) and len(image) > 0 and
        isinstance(image[0], (list, tuple)) for image in boxes)


def densify_bounding_boxes(bounding_boxes, is_batched=False, max_boxes=None,
                           boxes_default_value=0, labels_default_value=-1,
                           device=None, owner="bounding_boxes"):
    """`bounding_boxes` as dense tensors: float32 `"boxes"` and `"labels"`
    tensors. A batch given as a list of per-image box lists (ragged) is
    padded to the longest list (or cut/padded to `max_boxes`) with
    `boxes_default_value` boxes and `labels_default_value` labels. Other
    keys are kept."""
    validate_bounding_boxes(bounding_boxes, owner)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    result = dict(bounding_boxes)
    if is_batched and _is_ragged_batch(boxes):
        count = max_boxes if max_boxes is not None else max(
            len(image) for image in boxes)
        padded_boxes, padded_labels = [], []
        for index, (image_boxes, image_labels) in enumerate(zip(boxes,
                                                                labels)):
            _check_ragged_image(owner, index, image_boxes, image_labels)
            image_boxes = [list(box) for box in image_boxes][:count]
            image_labels = list(image_labels)[:count]
            missing = count - len(image_boxes)
            padded_boxes.append(image_boxes + [[boxes_default_value] * 4] *
                                missing)
            padded_labels.append(image_labels + [labels_default_value] *
                                 missing)
        boxes, labels = padded_boxes, padded_labels
        result["labels"] = torch.as_tensor(labels, dtype=torch.int32,
                                           device=device)
    else:
        result["labels"] = _as_tensor(labels, "labels", owner, device)
    boxes = _as_tensor(boxes, "boxes", owner, device, torch.float32)
    if boxes.numel() == 0 and boxes.shape[-1:] != (4,):
        boxes = boxes.reshape(*boxes.shape[:-1], 0, 4)
    if boxes.shape[-1:] != (4,):
        raise ValueError(
            f"{owner} expected boxes of 4 numbers: `bounding_boxes['boxes']`"
            f" of shape (..., 4). Received: shape={tuple(boxes.shape)}")
    result["boxes"] = boxes
    return result
