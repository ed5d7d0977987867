"""Moving bounding boxes with their image: clipping to it, cropping,
padding and affine warps. All take `"xyxy"` boxes in pixels (clipping
also `"rel_xyxy"`)."""

import math

import torch


def _check_xyxy(function, bounding_box_format, allowed=("xyxy",)):
    if bounding_box_format not in allowed:
        raise ValueError(
            f"`{function}` supports bounding_box_format in {allowed} only. "
            f"Convert the boxes with `convert_format` first. Received: "
            f"bounding_box_format={bounding_box_format!r}")


def _split(boxes):
    return torch.as_tensor(boxes).unbind(-1)


def _clamp(values, high):
    """`values` clipped to `[0, high]`; `high` a number or a tensor that
    broadcasts against `values`."""
    high = torch.as_tensor(high, dtype=values.dtype, device=values.device)
    return torch.minimum(values.clamp(min=0), high)


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
    if not isinstance(bounding_boxes, dict) or "boxes" not in bounding_boxes:
        raise ValueError(
            "clip_to_image_size() expects a dict with a 'boxes' key (and "
            f"optionally 'labels'). Received: {bounding_boxes!r}")
    if bounding_box_format == "rel_xyxy":
        height = width = 1.0
    x1, y1, x2, y2 = _split(bounding_boxes["boxes"])
    boxes = torch.stack([_clamp(x1, width), _clamp(y1, height),
                         _clamp(x2, width), _clamp(y2, height)], dim=-1)
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    labels = bounding_boxes.get("labels")
    if labels is not None:
        labels = torch.as_tensor(labels, device=boxes.device)
        if labels.shape[:boxes.ndim - 1] != boxes.shape[:-1]:
            raise ValueError(
                "clip_to_image_size() expects one label per box: 'labels' "
                f"of shape {tuple(boxes.shape[:-1])} (or with a trailing "
                "class axis). Received: "
                f"labels.shape={tuple(labels.shape)}")
        areas = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] -
                                                   boxes[..., 1])
        # A trailing class axis of the labels: the whole row becomes -1.
        kept = (areas > 0).reshape(
            areas.shape + (1,) * (labels.ndim - areas.ndim))
        result["labels"] = torch.where(kept, labels,
                                       torch.full_like(labels, -1))
    return result


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """`"xyxy"` boxes in the frame of the crop starting at `(top, left)`
    of size `height` x `width`, clipped to it."""
    _check_xyxy("crop", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    return torch.stack([_clamp(x1 - left, width), _clamp(y1 - top, height),
                        _clamp(x2 - left, width), _clamp(y2 - top, height)],
                       dim=-1)


def pad(boxes, top, left, height=None, width=None,
        bounding_box_format="xyxy"):
    """`"xyxy"` boxes shifted by the padding added at the `top` and `left`
    of their image. `height` and `width` (the padded size) are part of
    Keras's signature; the shift does not depend on them."""
    _check_xyxy("pad", bounding_box_format)
    x1, y1, x2, y2 = _split(boxes)
    return torch.stack([x1 + left, y1 + top, x2 + left, y2 + top], dim=-1)


def _per_image(name, value, batch, reference):
    """An angle, fraction or scale as a `(batch,)` tensor."""
    value = torch.as_tensor(value, dtype=reference.dtype,
                            device=reference.device)
    if value.numel() == 1:
        return value.reshape(-1).expand(batch)
    if value.numel() != batch:
        raise ValueError(
            f"affine_transform() expects `{name}` to be one number or one "
            f"per image ({batch} for boxes of the batch). Received: "
            f"{name} of shape {tuple(value.shape)}")
    return value.reshape(batch)


def _box_to_output_matrix(angle, translate_x, translate_y, scale, shear_x,
                          shear_y, height, width, center_x, center_y):
    """`(batch, 2, 3)` matrices taking a pixel of the input to where the
    affine warp puts it: the inverse of the sampling transform that
    `affine_matrix`-style warps apply (rotation by `angle` degrees about the
    centre, shears in degrees, translations as fractions of the size minus
    one pixel), written out in closed form as Keras does."""
    to_radians = math.pi / 180.0
    rotation = -angle * to_radians
    shear_x = -shear_x * to_radians
    shear_y = -shear_y * to_radians
    cx = center_x * (width - 1)
    cy = center_y * (height - 1)
    shifted_x = cx - translate_x * (width - 1)
    shifted_y = cy - translate_y * (height - 1)
    cos_shear_y = torch.cos(shear_y)
    tan_shear_x = torch.tan(shear_x)
    # The rotation-and-shear block [[p, q], [r, s]] (determinant 1),
    # inverted and scaled.
    p = torch.cos(rotation - shear_y) / cos_shear_y
    q = p * tan_shear_x + torch.sin(rotation)
    r = -torch.sin(rotation - shear_y) / cos_shear_y
    s = torch.cos(rotation) - r * tan_shear_x
    m00, m01 = s * scale, -q * scale
    m10, m11 = -r * scale, p * scale
    m02 = cx - m00 * shifted_x - m01 * shifted_y
    m12 = cy - m10 * shifted_x - m11 * shifted_y
    return torch.stack([torch.stack([m00, m01, m02], -1),
                        torch.stack([m10, m11, m12], -1)], -2)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x,
                     shear_y, height, width, center_x=None, center_y=None,
                     bounding_box_format="xyxy"):
    """`"xyxy"` boxes (`(N, 4)` or `(batch, N, 4)`) carried through the
    affine warp of their `height` x `width` image: rotation by `angle`
    degrees about `(center_x, center_y)` (fractions of the size, 0.5 by
    default), scaling by `scale`, shears `shear_x`/`shear_y` in degrees and
    translations `translate_x`/`translate_y` as fractions of the size.
    Each parameter is a number or one value per image. The result is the
    smallest upright box holding the four warped corners (not clipped).

    Example:

    >>> affine_transform([[[0., 0., 10., 20.]]], angle=[0.],
    ...                  translate_x=[0.5], translate_y=[0.], scale=[1.],
    ...                  shear_x=[0.], shear_y=[0.], height=21, width=21)
    tensor([[[10.,  0., 20., 20.]]])
    """
    _check_xyxy("affine_transform", bounding_box_format)
    boxes = torch.as_tensor(boxes)
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if boxes.ndim not in (2, 3) or boxes.shape[-1] != 4:
        raise ValueError(
            "affine_transform() expects `boxes` of shape (N, 4) or "
            f"(batch, N, 4). Received: boxes.shape={tuple(boxes.shape)}")
    unbatched = boxes.ndim == 2
    if unbatched:
        boxes = boxes.unsqueeze(0)
    batch = boxes.shape[0]
    params = [_per_image(name, value, batch, boxes)
              for name, value in (("angle", angle),
                                  ("translate_x", translate_x),
                                  ("translate_y", translate_y),
                                  ("scale", scale), ("shear_x", shear_x),
                                  ("shear_y", shear_y))]
    centers = [0.5 if c is None else c for c in (center_x, center_y)]
    matrix = _box_to_output_matrix(*params, float(height), float(width),
                                   *centers)
    x1, y1, x2, y2 = boxes.unbind(-1)
    corners = torch.stack([torch.stack([x1, y1], -1),
                           torch.stack([x2, y1], -1),
                           torch.stack([x2, y2], -1),
                           torch.stack([x1, y2], -1)], -2)  # (B, N, 4, 2)
    moved = torch.einsum("bnkj,bij->bnki", corners, matrix[..., :2]) + \
        matrix[:, None, None, :, 2]
    outputs = torch.cat([moved.amin(-2), moved.amax(-2)], -1)
    return outputs.squeeze(0) if unbatched else outputs
