"""Checking a `{"boxes", "labels"}` dict and making it dense: the form
image layers take bounding boxes in."""

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
    boxes_rank = len(torch.as_tensor(boxes).shape)
    labels_rank = len(torch.as_tensor(labels).shape)
    allowed = {2: (1, 2), 3: (2, 3)}.get(boxes_rank)
    if allowed is None:
        raise ValueError(
            f"{owner} expected `bounding_boxes['boxes']` of rank 2 or 3, "
            "with shape (num_boxes, 4) or (batch_size, num_boxes, 4). "
            f"Received: shape={tuple(torch.as_tensor(boxes).shape)}")
    if labels_rank not in allowed:
        raise ValueError(
            f"{owner}: with `bounding_boxes['boxes']` of rank {boxes_rank}, "
            f"`bounding_boxes['labels']` must have rank {allowed[0]} or "
            f"{allowed[1]}. Received: shape="
            f"{tuple(torch.as_tensor(labels).shape)}")


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
        for image_boxes, image_labels in zip(boxes, labels):
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
        result["labels"] = torch.as_tensor(labels, device=device)
    boxes = torch.as_tensor(boxes, dtype=torch.float32, device=device)
    if boxes.numel() == 0 and boxes.shape[-1:] != (4,):
        boxes = boxes.reshape(*boxes.shape[:-1], 0, 4)
    result["boxes"] = boxes
    return result
