"""Sampling a tensor at fractional coordinates (`map_coordinates`) with
Keras's fill modes; the geometry ops of `image` build on it."""

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _fold(index, size, mode):
    """Integer coordinates folded into [0, size) by `mode`; with
    "constant" they stay (and out-of-range ones are masked)."""
    if mode == "nearest":
        return torch.clamp(index, 0, size - 1)
    if mode == "wrap":
        return torch.remainder(index, size)
    if mode == "mirror":
        if size == 1:
            return torch.zeros_like(index)
        period = 2 * (size - 1)
        index = torch.remainder(index, period)
        return torch.where(index >= size, period - index, index)
    if mode == "reflect":
        period = 2 * size
        index = torch.remainder(index, period)
        return torch.where(index >= size, period - 1 - index, index)
    return index


def sample(inputs, coordinates, order, fill_mode, fill_value):
    """`inputs` (N-D) read at `coordinates` (one tensor per axis)."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Argument `fill_mode` must be one of {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode!r}")
    if order not in (0, 1):
        raise ValueError("Argument `order` must be 0 (nearest) or 1 "
                         f"(linear). Received: order={order!r}")
    x = inputs
    coords = [c.to(_dtypes.float_dtype(x.dtype)) for c in coordinates]
    if len(coords) != x.dim():
        raise ValueError(f"`coordinates` must hold {x.dim()} arrays, one per "
                         f"axis of `inputs`. Received: {len(coords)}")
    if order == 0:
        # Halves round to even, as Keras.
        corners = [[(torch.round(c).long(), None)] for c in coords]
    else:
        corners = []
        for c in coords:
            low = torch.floor(c)
            weight = c - low
            corners.append([(low.long(), 1 - weight),
                            (low.long() + 1, weight)])
    result = 0
    for combo in _product(corners):
        valid, flat, weight = None, 0, None
        for axis, (index, w) in enumerate(combo):
            size = x.shape[axis]
            inside = (index >= 0) & (index < size)
            valid = inside if valid is None else valid & inside
            flat = flat * size + torch.clamp(_fold(index, size, fill_mode), 0,
                                             size - 1)
            if w is not None:
                weight = w if weight is None else weight * w
        values = x.reshape(-1)[flat].to(coords[0].dtype)
        if fill_mode == "constant":
            values = torch.where(valid, values,
                                 torch.full_like(values, fill_value))
        result = result + (values if weight is None else values * weight)
    if order == 0 or not x.is_floating_point():
        return result.to(x.dtype) if not x.is_floating_point() else result
    return result


def sample_images(x, y_in, x_in, order, fill_mode, fill_value):
    """A `(B, C, H, W)` batch read at per-image points `(y_in, x_in)` of
    shape `(B, H', W')`, all images and channels at once."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Argument `fill_mode` must be one of {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode!r}")
    batch, channels, h, w = x.shape
    out_shape = y_in.shape[1:]
    flat_x = x.reshape(batch, channels, h * w)
    if order == 0:
        corners = [[(torch.round(y_in).long(), None)],
                   [(torch.round(x_in).long(), None)]]
    else:
        corners = []
        for c in (y_in, x_in):
            low = torch.floor(c)
            corners.append([(low.long(), 1 - (c - low)),
                            (low.long() + 1, c - low)])
    result = 0
    for (iy, wy), (ix, wx) in _product(corners):
        valid = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
        fy = torch.clamp(_fold(iy, h, fill_mode), 0, h - 1)
        fx = torch.clamp(_fold(ix, w, fill_mode), 0, w - 1)
        index = (fy * w + fx).reshape(batch, 1, -1).expand(-1, channels, -1)
        values = flat_x.gather(2, index).reshape(batch, channels,
                                                 *out_shape)
        if fill_mode == "constant":
            values = torch.where(valid.unsqueeze(1), values,
                                 torch.full_like(values, fill_value))
        if wy is not None:
            values = values * (wy * wx).unsqueeze(1)
        result = result + values
    return result


def _product(lists):
    combos = [[]]
    for options in lists:
        combos = [c + [o] for c in combos for o in options]
    return combos


@op("map_coordinates")
def map_coordinates(inputs, coordinates, order, fill_mode="constant",
                    fill_value=0):
    inputs = _tensor(inputs)
    coords = [_tensor(c) for c in coordinates]
    out = sample(inputs, coords, order, fill_mode, fill_value)
    if not inputs.is_floating_point():
        out = torch.round(out).to(inputs.dtype) if order else out
    return out


__all__ = _op.public(globals())
