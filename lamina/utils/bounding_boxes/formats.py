"""Bounding-box formats and `convert_format`.

Formats (case-insensitive): `"xyxy"` [left, top, right, bottom],
`"yxyx"`, `"xywh"` [left, top, width, height], `"center_xywh"`,
`"center_yxhw"`, and the relative `"rel_xyxy"`, `"rel_yxyx"`,
`"rel_xywh"`, `"rel_center_xywh"` (coordinates divided by the image's
width and height).
"""

import torch

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
