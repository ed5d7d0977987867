"""`keras.utils.bounding_boxes`: bounding-box helpers on torch tensors.

Formats (case-insensitive): `"xyxy"` [left, top, right, bottom],
`"yxyx"`, `"xywh"` [left, top, width, height], `"center_xywh"`,
`"center_yxhw"`, and the relative `"rel_xyxy"`, `"rel_yxyx"`,
`"rel_xywh"`, `"rel_center_xywh"` (coordinates divided by the image's
width and height).
"""

import math

import torch

from lamina import config
from lamina.utils.dtypes import to_torch_dtype

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
                     "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _to_xyxy(boxes, source, height, width):
    a, b, c, d = boxes.unbind(-1)
    base = source[4:] if source.startswith("rel_") else source
    if base == "xyxy":
        x1, y1, x2, y2 = a, b, c, d
    elif base == "yxyx":
        x1, y1, x2, y2 = b, a, d, c
    elif base == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif base == "center_xywh":
        x1, y1, x2, y2 = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    else:  # center_yxhw
        x1, y1, x2, y2 = b - d / 2, a - c / 2, b + d / 2, a + c / 2
    if source.startswith("rel_"):
        x1, x2, y1, y2 = x1 * width, x2 * width, y1 * height, y2 * height
    return x1, y1, x2, y2


def _from_xyxy(x1, y1, x2, y2, target, height, width):
    if target.startswith("rel_"):
        x1, x2, y1, y2 = x1 / width, x2 / width, y1 / height, y2 / height
        target = target[4:]
    if target == "xyxy":
        values = (x1, y1, x2, y2)
    elif target == "yxyx":
        values = (y1, x1, y2, x2)
    elif target == "xywh":
        values = (x1, y1, x2 - x1, y2 - y1)
    elif target == "center_xywh":
        values = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    else:  # center_yxhw
        values = ((y1 + y2) / 2, (x1 + x2) / 2, y2 - y1, x2 - x1)
    return torch.stack(values, dim=-1)


def convert_format(boxes, source, target, height=None, width=None,
                   dtype="float32"):
    """`boxes` (`(..., 4)`, or a dict whose `"boxes"` is converted) from
    the `source` format to the `target` one; relative formats need the
    image's `height` and `width`.

    Example:

    >>> convert_format([[10, 20, 30, 40]], source="xyxy", target="xywh")
    tensor([[10., 20., 20., 20.]])
    """
    if isinstance(boxes, dict):
        boxes = dict(boxes)
        boxes["boxes"] = convert_format(boxes["boxes"], source, target,
                                        height, width, dtype)
        return boxes
    boxes = torch.as_tensor(boxes).to(to_torch_dtype(dtype))
    if boxes.shape[-1] != 4:
        raise ValueError(
            "`boxes` must be a tensor with the last dimension of 4. "
            f"Received: boxes.shape={tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(
            "Invalid source or target format. Supported formats: "
            f"{SUPPORTED_FORMATS}. Received: source={source!r}, "
            f"target={target!r}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            height is None or width is None):
        raise ValueError(
            "convert_format() must receive `height` and `width` to convert "
            f"from or to a relative format. Received: source={source!r}, "
            f"target={target!r}, height={height}, width={width}")
    if source == target:
        return boxes
    return _from_xyxy(*_to_xyxy(boxes, source, height, width), target,
                      height, width)


def _check_xyxy(function, bounding_box_format, allowed=("xyxy",)):
    if bounding_box_format not in allowed:
        raise ValueError(
            f"`{function}` supports bounding_box_format in {allowed} only. "
            f"Convert the boxes with `convert_format` first. Received: "
            f"bounding_box_format={bounding_box_format!r}")


def _split(boxes):
    return torch.as_tensor(boxes).unbind(-1)


def clip_to_image_size(bounding_boxes, height=None, width=None,
                       bounding_box_format="xyxy"):
    """Clips `bounding_boxes["boxes"]` to the image (`[0, width]` x
    `[0, height]`, or `[0, 1]` for `"rel_xyxy"`); boxes left with no area
    get the label -1."""
    _check_xyxy("clip_to_image_size", bounding_box_format,
                ("xyxy", "rel_xyxy"))
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError(
            "`height` and `width` must be set if `format='xyxy'`.")
    if bounding_box_format == "rel_xyxy":
        height = width = 1.0
    x1, y1, x2, y2 = _split(bounding_boxes["boxes"])
    boxes = torch.stack([x1.clamp(0, width), y1.clamp(0, height),
                         x2.clamp(0, width), y2.clamp(0, height)], dim=-1)
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    labels = bounding_boxes.get("labels")
    if labels is not None:
        labels = torch.as_tensor(labels)
        areas = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] -
                                                   boxes[..., 1])
        result["labels"] = torch.where(areas > 0, labels,
                                       torch.full_like(labels, -1))
    return result


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """`"xyxy"` boxes in the frame of the crop starting at `(top, left)`
    of size `height` x `width`, clipped to it."""
    _check_xyxy("crop", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    return torch.stack([(x1 - left).clamp(0, width),
                        (y1 - top).clamp(0, height),
                        (x2 - left).clamp(0, width),
                        (y2 - top).clamp(0, height)], dim=-1)


def pad(boxes, top, left, height=None, width=None,
        bounding_box_format="xyxy"):
    """`"xyxy"` boxes shifted by the padding added at the `top` and `left`
    of their image. `height` and `width` (the padded size) are part of
    Keras's signature; the shift does not depend on them."""
    _check_xyxy("pad", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    return torch.stack([x1 + left, y1 + top, x2 + left, y2 + top], dim=-1)


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
