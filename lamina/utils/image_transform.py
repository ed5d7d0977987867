"""Image resizing and affine warping with the numerics of Keras on torch.

`resize` is `F.interpolate` with half-pixel centres (`align_corners=False`,
no antialiasing unless asked) after an optional crop or pad to the target
aspect ratio, as `keras.ops.image.resize` on torch. `affine_transform`
samples every output pixel at `(a0 x + a1 y + a2, b0 x + b1 y + b2)` in the
input with nearest or bilinear interpolation and Keras's fill modes, for a
whole batch at once (Keras loops over the batch); `remap` samples at any
per-pixel positions (elastic warps).
"""

import math

import torch
import torch.nn.functional as F

RESIZE_INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest-exact",
                         "bicubic": "bicubic"}
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32,
                   torch.int64)


def check_choice(owner, name, value, choices):
    if value not in choices:
        raise ValueError(
            f"Invalid value for argument `{name}` of {owner}. Expected one of "
            f"{list(choices)}. Received: {name}={value!r}"
        )
    return value


def spatial_axes(data_format, ndim=4):
    """(height axis, width axis) of a rank-`ndim` image tensor."""
    if data_format == "channels_first":
        return ndim - 2, ndim - 1
    return ndim - 3, ndim - 2


def check_image_rank(images, owner):
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{owner} expected an image tensor of rank 3 (single image) or 4 "
            f"(batch of images). Received: inputs.shape={tuple(images.shape)}"
        )


def aspect_ratio_window(height, width, target_height, target_width):
    """The largest centred `(top, left, crop_height, crop_width)` window with
    the target aspect ratio, as Keras's `smart_resize` computes it."""
    crop_height = int(float(width * target_height) / target_width)
    crop_height = max(min(height, crop_height), 1)
    crop_width = int(float(height * target_width) / target_height)
    crop_width = max(min(width, crop_width), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def crop(images, top, left, height, width, data_format):
    """Slices a window out of a rank-3 or rank-4 image tensor (a view)."""
    h_axis, w_axis = spatial_axes(data_format, images.ndim)
    return images.narrow(h_axis, top, height).narrow(w_axis, left, width)


def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
           fill_value=0.0, data_format="channels_last"):
    """Resizes rank-3 or rank-4 images to `size = (height, width)`.

    Integer images are resized in float32, rounded and cast back.
    """
    unbatched = images.ndim == 3
    x = images.unsqueeze(0) if unbatched else images
    out_dtype = x.dtype
    if out_dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if data_format == "channels_last":
        # A view: NCHW in channels_last memory, which F.interpolate keeps.
        x = x.permute(0, 3, 1, 2)
    height, width = x.shape[-2], x.shape[-1]
    target_height, target_width = size
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = aspect_ratio_window(
            height, width, target_height, target_width)
        x = x[:, :, top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect_ratio(x, target_height, target_width, fill_value)
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    align_corners = False if interpolation in ("bilinear", "bicubic") \
        else None
    out = F.interpolate(x, size=(target_height, target_width),
                        mode=RESIZE_INTERPOLATIONS[interpolation],
                        align_corners=align_corners, antialias=antialias)
    if interpolation == "bicubic" and out_dtype == torch.uint8:
        out = out.clamp(0, 255)
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 1)
    if unbatched:
        out = out.squeeze(0)
    if out.dtype != out_dtype:
        if out_dtype in _INTEGER_DTYPES:
            out = out.round()
        out = out.to(out_dtype)
    return out


def _pad_to_aspect_ratio(x, target_height, target_width, fill_value):
    height, width = x.shape[-2], x.shape[-1]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    # Keras pads the same amount on both sides (its padded size may differ
    # from `pad_height` by one pixel; the resize absorbs it).
    if top > 0:
        x = F.pad(x, (0, 0, top, top), value=float(fill_value))
    if left > 0:
        x = F.pad(x, (left, left, 0, 0), value=float(fill_value))
    return x


def affine_matrix(angle, translate_x, translate_y, scale, height, width,
                  center_x=0.5, center_y=0.5, shear_x=None, shear_y=None):
    """Per-image `(batch, 8)` transforms rotating by `angle` degrees about the
    centre, then scaling and translating (Keras's `_compute_affine_matrix`)."""
    to_radians = torch.tensor(math.pi / 180.0, dtype=angle.dtype,
                              device=angle.device)
    angle = angle * to_radians
    zeros = torch.zeros_like(angle)
    shear_x = torch.tan((zeros if shear_x is None else shear_x) * to_radians)
    shear_y = torch.tan((zeros if shear_y is None else shear_y) * to_radians)
    cx = center_x * (float(width) - 1)
    cy = center_y * (float(height) - 1)
    cos, sin = torch.cos(angle), torch.sin(angle)
    a0 = scale * (cos + shear_x * sin)
    a1 = scale * (-sin + shear_x * cos)
    a2 = translate_x + cx - cx * a0 - cy * a1
    b0 = scale * (shear_y * cos + sin)
    b1 = scale * (shear_y * -sin + cos)
    b2 = translate_y + cy - cx * b0 - cy * b1
    return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


def _mirror(index, size):
    s = size - 1
    if s == 0:
        return torch.zeros_like(index)
    return ((index + s) % (2 * s) - s).abs()


def _reflect(index, size):
    return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2,
                     rounding_mode="floor")


_INDEX_FIXERS = {
    "constant": lambda index, size: index.clamp(0, size - 1),
    "nearest": lambda index, size: index.clamp(0, size - 1),
    "wrap": lambda index, size: index % size,
    "reflect": _reflect,
    "mirror": _mirror,
}


def affine_transform(images, transform, interpolation="bilinear",
                     fill_mode="constant", fill_value=0.0,
                     data_format="channels_last"):
    """Warps a `(batch, ...)` float image tensor by one `(batch, 8)`
    transform per image (the last two, projective, entries must be 0).

    Output pixel `(y, x)` reads the input at `(b0 x + b1 y + b2,
    a0 x + a1 y + a2)`; points outside the image follow `fill_mode`.
    """
    height, width = _height_width(images, data_format)
    dtype, device = transform.dtype, transform.device
    rows = torch.arange(height, dtype=dtype, device=device).view(1, -1, 1)
    cols = torch.arange(width, dtype=dtype, device=device).view(1, 1, -1)
    t = [transform[:, k].view(-1, 1, 1) for k in range(6)]
    y = rows * t[4] + cols * t[3] + t[5]
    x = rows * t[1] + cols * t[0] + t[2]
    return remap(images, y, x, interpolation, fill_mode, fill_value,
                 data_format)


def _height_width(images, data_format):
    if data_format == "channels_last":
        return images.shape[1], images.shape[2]
    return images.shape[2], images.shape[3]


# Bilinear sampling runs on `F.grid_sample` for these fill modes: with
# "constant", corners outside the image read zeros and `fill_value` is
# added by their weight; with the others, each position is first folded
# into the image exactly (its two corners fold to the same or adjacent
# pixels, so `low + (high - low) * fraction` reads what the gathers read).
_GRID_PADDING = {"constant": "zeros", "nearest": "border",
                 "reflect": "border", "mirror": "border"}


def _fold(position, size, fill_mode):
    """Positions moved into `[0, size - 1]` so that bilinear sampling
    there reads what sampling the two corners, each folded by
    `fill_mode`, would."""
    if fill_mode == "nearest" or size == 1:
        return position.clamp(0, size - 1)
    low = position.floor()
    fraction = position - low
    if fill_mode == "reflect":
        # Period 2 size: `m` then `m + 1` forwards, or backwards from
        # 2 size - 1 - m; the two turning points clamp onto the edges.
        m = low.remainder(2 * size)
        folded = torch.where(m < size, m + fraction,
                             (2 * size - 1 - m) - fraction)
        return folded.clamp(0, size - 1)
    period = 2 * (size - 1)  # mirror
    m = low.remainder(period)
    return torch.where(m < size - 1, m + fraction, (period - m) - fraction)


def _grid_sample(images, grid, fill_mode, fill_value, data_format):
    """Bilinear sampling of `images` at `grid` (`(batch, height, width,
    2)`, `(x, y)` in `F.grid_sample`'s normalized coordinates), about 15x
    faster on CPU than four gathers; positions agree with the gathers' to
    float rounding (about 1e-5 pixel)."""
    nchw = images.permute(0, 3, 1, 2) if data_format == "channels_last" \
        else images
    out = F.grid_sample(nchw, grid, mode="bilinear",
                        padding_mode=_GRID_PADDING[fill_mode],
                        align_corners=False)
    if fill_mode == "constant" and float(fill_value) != 0.0:
        inside = F.grid_sample(torch.ones_like(nchw[:, :1]), grid,
                               mode="bilinear", padding_mode="zeros",
                               align_corners=False)
        out = out + (1 - inside) * float(fill_value)
    return out.permute(0, 2, 3, 1) if data_format == "channels_last" \
        else out


def _use_grid_sample(images, interpolation, fill_mode):
    return interpolation == "bilinear" and fill_mode in _GRID_PADDING and \
        images.dtype in (torch.float32, torch.float64)


def remap(images, y, x, interpolation="bilinear", fill_mode="constant",
          fill_value=0.0, data_format="channels_last"):
    """Output pixel `(i, j)` of image `b` reads the input at the fractional
    position `(y[b, i, j], x[b, i, j])` (`(batch, height, width)` grids the
    size of the images), for the whole batch at once: bilinear sampling on
    `F.grid_sample` (except with `"wrap"`), the rest with gathers; points
    outside the image follow `fill_mode` (also `"mirror"`)."""
    if _use_grid_sample(images, interpolation, fill_mode):
        height, width = _height_width(images, data_format)
        if fill_mode != "constant":
            y, x = _fold(y, height, fill_mode), _fold(x, width, fill_mode)
        grid = torch.stack([x, y], dim=-1).to(images.dtype)
        # Pixel centres sit at (2 i + 1) / size - 1 (align_corners=False).
        scale = grid.new_tensor([2.0 / width, 2.0 / height])
        grid = grid.mul_(scale).add_(scale / 2 - 1)
        return _grid_sample(images, grid, fill_mode, fill_value,
                            data_format)
    channels_last = data_format == "channels_last"
    batch = images.shape[0]
    if channels_last:
        height, width, channels = images.shape[1:]
        flat = images.reshape(batch, height * width, channels)
    else:
        channels, height, width = images.shape[1:]
        flat = images.reshape(batch, channels, height * width)
    fixer = _INDEX_FIXERS[fill_mode]
    constant = fill_mode == "constant"

    def sample(iy, ix):
        index = fixer(iy, height) * width + fixer(ix, width)
        if channels_last:
            index = index.reshape(batch, -1, 1).expand(-1, -1, channels)
            values = flat.gather(1, index)
            values = values.reshape(batch, height, width, channels)
        else:
            index = index.reshape(batch, 1, -1).expand(-1, channels, -1)
            values = flat.gather(2, index)
            values = values.reshape(batch, channels, height, width)
        if constant:
            valid = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
            valid = valid.unsqueeze(-1 if channels_last else 1)
            values = torch.where(valid, values, fill_value)
        return values

    def expand(weight):
        return weight.unsqueeze(-1 if channels_last else 1)

    if interpolation == "nearest":
        return sample(y.round().to(torch.int64), x.round().to(torch.int64))
    y0, x0 = y.floor(), x.floor()
    wy1, wx1 = y - y0, x - x0
    wy0, wx0 = 1 - wy1, 1 - wx1
    iy0, ix0 = y0.to(torch.int64), x0.to(torch.int64)
    out = expand(wy0 * wx0) * sample(iy0, ix0)
    out = out + expand(wy0 * wx1) * sample(iy0, ix0 + 1)
    out = out + expand(wy1 * wx0) * sample(iy0 + 1, ix0)
    return out + expand(wy1 * wx1) * sample(iy0 + 1, ix0 + 1)
