"""Box regression targets: boxes encoded as offsets and log-scales of
anchors, and decoded back."""

import torch

from lamina import config
from lamina.utils.bounding_boxes.formats import convert_format

_CENTER_FORMATS = ("center_xywh", "center_yxhw")


def _variance(variance):
    if variance is None:
        return None
    variance = torch.as_tensor(variance, dtype=torch.float32)
    if variance.shape[-1:] != (4,):
        raise ValueError(
            f"`variance` must be length 4. Received: variance={variance}")
    return variance


def _height_width(image_shape):
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def _check_pairs(function, name, anchors, boxes):
    """One box (or delta) per anchor: shapes that broadcast, such as
    `(N, 4)` or `(batch, N, 4)` against `(N, 4)` anchors."""
    try:
        torch.broadcast_shapes(anchors.shape, boxes.shape)
    except RuntimeError:
        raise ValueError(
            f"{function}() expects one of `{name}` per anchor: shape "
            f"({anchors.shape[-2]}, 4) or (batch, {anchors.shape[-2]}, 4) "
            f"for anchors of shape {tuple(anchors.shape)}. Received: "
            f"{name}.shape={tuple(boxes.shape)}") from None


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None,
                         image_shape=None):
    """Deltas that turn `anchors` (`(N, 4)`) into `boxes` (`(N, 4)` or
    `(batch, N, 4)`): in `encoding_format` (`"center_yxhw"` or
    `"center_xywh"`), the centre offset divided by the anchor's size, then
    the log of the size ratio, all divided by `variance` when given.
    Relative formats need `image_shape` `(height, width, channels)`.

    Example:

    >>> encode_box_to_deltas([[0., 0., 10., 10.]], [[0., 0., 20., 10.]],
    ...                      "xyxy", "xyxy", encoding_format="center_xywh")
    tensor([[0.5000, 0.0000, 0.6931, 0.0000]])
    """
    variance = _variance(variance)
    if encoding_format not in _CENTER_FORMATS:
        raise ValueError(
            "`encoding_format` should be one of 'center_xywh' or "
            f"'center_yxhw'. Received: encoding_format={encoding_format!r}")
    height, width = _height_width(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format,
                             height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height,
                           width).to(anchors.device)
    _check_pairs("encode_box_to_deltas", "boxes", anchors, boxes)
    eps = config.epsilon()
    anchor_size = anchors[..., 2:].clamp(min=eps)
    box_size = boxes[..., 2:].clamp(min=eps)
    deltas = torch.cat([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                        torch.log(box_size / anchor_size)], dim=-1)
    if variance is not None:
        deltas = deltas / variance.to(deltas.device)
    return deltas


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None,
                           image_shape=None):
    """The inverse of `encode_box_to_deltas`: `boxes_delta` (`(N, 4)` or
    `(batch, N, 4)`, in `encoded_format`, multiplied by `variance` when
    given) applied to `anchors` (`(N, 4)` in `anchor_format`), returned in
    `box_format`. `anchors` and `boxes_delta` may also be dicts of such
    tensors (one per feature level); the result is then a dict too.

    Example:

    >>> decode_deltas_to_boxes([[0., 0., 10., 10.]],
    ...                        [[0.5, 0., 0.6931472, 0.]], "xyxy", "xyxy",
    ...                        encoded_format="center_xywh")
    tensor([[ 0.,  0., 20., 10.]])
    """
    variance = _variance(variance)
    if encoded_format not in _CENTER_FORMATS:
        raise ValueError(
            "`encoded_format` should be 'center_xywh' or 'center_yxhw'. "
            f"Received: encoded_format={encoded_format!r}")
    height, width = _height_width(image_shape)

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format,
                                height, width)
        delta = torch.as_tensor(delta, device=anchor.device)
        _check_pairs("decode_deltas_to_boxes", "boxes_delta", anchor, delta)
        if variance is not None:
            delta = delta * variance.to(anchor.device)
        boxes = torch.cat([delta[..., :2] * anchor[..., 2:] +
                           anchor[..., :2],
                           torch.exp(delta[..., 2:]) * anchor[..., 2:]],
                          dim=-1)
        return convert_format(boxes, encoded_format, box_format, height,
                              width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level])
                for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
