"""Overlap measures between bounding boxes: IoU and complete IoU."""

import math

import numpy as np
import torch

from lamina import config
from lamina.utils.bounding_boxes.formats import convert_format


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False,
                mask_val=-1, image_shape=None):
    """Pairwise intersection over union: `(N, M)` for `(N, 4)` and
    `(M, 4)` boxes, `(batch, N, M)` for batched ones (`boxes2` may be
    unbatched). With `use_masking`, pairs where either box has only
    negative coordinates (padding) get `mask_val`. Relative formats need
    `image_shape` `(height, width, channels)`."""
    boxes1, boxes2 = torch.as_tensor(boxes1), torch.as_tensor(boxes2)
    for name, boxes in (("boxes1", boxes1), ("boxes2", boxes2)):
        if boxes.ndim not in (2, 3):
            raise ValueError(
                f"compute_iou() expects {name} to be batched, or to be "
                f"unbatched. Received {name}.shape={tuple(boxes.shape)}; "
                "expected a rank of 2 or 3.")
    if boxes1.ndim == 3 and boxes2.ndim == 3 and \
            boxes1.shape[0] != boxes2.shape[0]:
        raise ValueError(
            "compute_iou() expects batched boxes1 and boxes2 of the same "
            f"batch size. Received boxes1.shape={tuple(boxes1.shape)}, "
            f"boxes2.shape={tuple(boxes2.shape)}")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(
            "When using relative bounding box formats (e.g. `rel_yxyx`) the "
            f"`image_shape` argument must be provided. Received: "
            f"image_shape={image_shape}")
    height, width = (None, None) if image_shape is None \
        else tuple(image_shape)[:2]
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height,
                            width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height,
                            width)
    a = boxes1.unsqueeze(-2)  # (..., N, 1, 4)
    b = boxes2.unsqueeze(-3)  # (..., 1, M, 4)
    inter_w = (torch.minimum(a[..., 2], b[..., 2]) -
               torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    inter_h = (torch.minimum(a[..., 3], b[..., 3]) -
               torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    intersection = inter_w * inter_h
    area1 = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area2 = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    iou = intersection / (area1 + area2 - intersection + config.epsilon())
    if not use_masking:
        return iou
    padding1 = boxes1.amax(-1).lt(0).unsqueeze(-1)
    padding2 = boxes2.amax(-1).lt(0).unsqueeze(-2)
    return torch.where(padding1 | padding2,
                       torch.full_like(iou, float(mask_val)), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes (element-wise, `(..., 4)` each):
    IoU minus the normalized center distance and an aspect-ratio term
    (Zheng et al., 2020), with Keras's epsilons. Relative formats are
    refused, as in Keras."""
    if "rel" in bounding_box_format:
        raise ValueError(
            "compute_ciou() does not support relative bounding box formats "
            f"(as in Keras). Received: bounding_box_format="
            f"{bounding_box_format!r}")
    height, width = (None, None) if image_shape is None \
        else tuple(image_shape)[:2]
    shape1, shape2 = tuple(np.shape(boxes1)), tuple(np.shape(boxes2))
    try:
        torch.broadcast_shapes(shape1, shape2)
    except RuntimeError:
        raise ValueError(
            "compute_ciou() compares matching boxes: boxes1 and boxes2 need "
            "the same (or broadcastable) shapes. Received boxes1.shape="
            f"{shape1}, boxes2.shape={shape2}") from None
    eps = config.epsilon()
    x1a, y1a, x2a, y2a = convert_format(boxes1, bounding_box_format, "xyxy",
                                        height, width).unbind(-1)
    x1b, y1b, x2b, y2b = convert_format(boxes2, bounding_box_format, "xyxy",
                                        height, width).unbind(-1)
    width_a, height_a = x2a - x1a, y2a - y1a + eps
    width_b, height_b = x2b - x1b, y2b - y1b + eps
    intersection = (torch.minimum(x2a, x2b) - torch.maximum(x1a, x1b)) \
        .clamp(min=0) * (torch.minimum(y2a, y2b) -
                         torch.maximum(y1a, y1b)).clamp(min=0)
    union = width_a * height_a + width_b * height_b - intersection + eps
    iou = intersection / (union + eps)
    diagonal = (torch.maximum(x2a, x2b) - torch.minimum(x1a, x1b)) ** 2 + \
        (torch.maximum(y2a, y2b) - torch.minimum(y1a, y1b)) ** 2 + eps
    distance = ((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2 + \
        ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2
    v = 4 / math.pi ** 2 * (torch.atan(width_b / height_b) -
                            torch.atan(width_a / height_a)) ** 2
    alpha = v / (v - iou + (1 + eps))
    return iou - (distance / diagonal + v * alpha)
