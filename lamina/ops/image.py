"""`keras.ops.image` on torch: resizing, color spaces, crops and pads,
patches, blurs, affine warps and SSIM. Images are batched or single,
channels-last unless `data_format` (or the config) says otherwise."""

import math

import torch
import torch.nn.functional as F

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops._sampling import map_coordinates  # noqa: F401 (re-exported)
from lamina.ops._sampling import sample_images
from lamina.ops.core import _tensor

_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact",
          "bicubic": "bicubic", "area": "area"}


def _batched(images, data_format, name, ranks=(3, 4)):
    """Images as a channels-first float batch, and how to undo it."""
    x = _tensor(images)
    if x.dim() not in ranks:
        raise ValueError(f"ops.image.{name}: `images` must be {ranks[0]}D "
                         f"(one image) or {ranks[1]}D (a batch). Received: "
                         f"images.shape={tuple(x.shape)}")
    fmt = _op.data_format(data_format)
    single = x.dim() == ranks[0]
    x = x.unsqueeze(0) if single else x
    x = _op.to_channels_first(x, fmt)

    def restore(y):
        y = _op.from_channels_first(y, fmt)
        return y.squeeze(0) if single else y

    return x, restore


@op("resize")
def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
           fill_mode="constant", fill_value=0.0, data_format=None):
    if interpolation not in _MODES:
        raise ValueError(f"Argument `interpolation` must be one of "
                         f"{sorted(_MODES)} on torch. Received: "
                         f"interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and "
                         "`pad_to_aspect_ratio` can be True.")
    height, width = _op.tuple_of(size, 2, "size")
    x, restore = _batched(images, data_format, "resize")
    dtype = x.dtype
    x = _dtypes.to_float(x)
    h, w = x.shape[-2:]
    if crop_to_aspect_ratio:
        crop_h = min(h, int(w * height / width))
        crop_w = min(w, int(h * width / height))
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        x = x[..., top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(h, int(w * height / width))
        pad_w = max(w, int(h * width / height))
        top, left = (pad_h - h) // 2, (pad_w - w) // 2
        x = F.pad(x, (left, pad_w - w - left, top, pad_h - h - top),
                  value=fill_value)
    mode = _MODES[interpolation]
    smooth = antialias and mode in ("bilinear", "bicubic")
    out = F.interpolate(x, (height, width), mode=mode, antialias=smooth,
                        **({"align_corners": False}
                           if mode in ("bilinear", "bicubic") else {}))
    if not dtype.is_floating_point:
        out = torch.round(out).clamp(*_range(dtype)).to(dtype)
    return restore(out)


def _range(dtype):
    info = torch.iinfo(dtype) if dtype != torch.bool else None
    return (0, 1) if info is None else (info.min, info.max)


@op("rgb_to_grayscale")
def rgb_to_grayscale(images, data_format=None):
    x, restore = _batched(images, data_format, "rgb_to_grayscale")
    x = _dtypes.to_float(x)
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype,
                           device=x.device).reshape(1, 3, 1, 1)
    return restore(torch.sum(x * weights, dim=1, keepdim=True))


@op("rgb_to_hsv")
def rgb_to_hsv(images, data_format=None):
    x, restore = _batched(images, data_format, "rgb_to_hsv")
    x = _dtypes.to_float(x)
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    value = torch.amax(x, dim=1)
    spread = value - torch.amin(x, dim=1)
    safe = torch.where(spread > 0, spread, torch.ones_like(spread))
    saturation = torch.where(value > 0, spread / torch.where(
        value > 0, value, torch.ones_like(value)), torch.zeros_like(value))
    hue = torch.where(value == r, (g - b) / safe,
                      torch.where(value == g, 2.0 + (b - r) / safe,
                                  4.0 + (r - g) / safe))
    hue = torch.where(spread > 0, torch.remainder(hue / 6.0, 1.0),
                      torch.zeros_like(hue))
    return restore(torch.stack([hue, saturation, value], dim=1))


@op("hsv_to_rgb")
def hsv_to_rgb(images, data_format=None):
    x, restore = _batched(images, data_format, "hsv_to_rgb")
    x = _dtypes.to_float(x)
    hue, saturation, value = x[:, 0], x[:, 1], x[:, 2]
    channels = []
    for shift in (5.0, 3.0, 1.0):
        k = torch.remainder(shift + hue * 6.0, 6.0)
        weight = torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0)
        channels.append(value - value * saturation * weight)
    return restore(torch.stack(channels, dim=1))


def _edges(start, end, target, size, names):
    """(start, stop) along one axis from two of start/end/target."""
    given = [v is not None for v in (start, end, target)]
    if sum(given) != 2:
        raise ValueError(f"Exactly two of {names} must be given. Received: "
                         f"{dict(zip(names, (start, end, target)))}")
    if target is None:
        return start, size - end
    if start is None:
        return size - end - target, size - end
    return start, start + target


@op("crop_images")
def crop_images(images, top_cropping=None, left_cropping=None,
                bottom_cropping=None, right_cropping=None, target_height=None,
                target_width=None, data_format=None):
    x, restore = _batched(images, data_format, "crop_images")
    h, w = x.shape[-2:]
    top, bottom = _edges(top_cropping, bottom_cropping, target_height, h,
                         ("top_cropping", "bottom_cropping", "target_height"))
    left, right = _edges(left_cropping, right_cropping, target_width, w,
                         ("left_cropping", "right_cropping", "target_width"))
    if top < 0 or left < 0 or bottom > h or right > w or top >= bottom or (
            left >= right):
        raise ValueError(f"The crop does not fit images of size {h}x{w}.")
    return restore(x[..., top:bottom, left:right])


@op("pad_images")
def pad_images(images, top_padding=None, left_padding=None,
               bottom_padding=None, right_padding=None, target_height=None,
               target_width=None, data_format=None):
    x, restore = _batched(images, data_format, "pad_images")
    h, w = x.shape[-2:]

    def amounts(before, after, target, size, names):
        given = [v is not None for v in (before, after, target)]
        if sum(given) != 2:
            raise ValueError(f"Exactly two of {names} must be given.")
        if target is None:
            return before, after
        if before is None:
            return target - size - after, after
        return before, target - size - before

    top, bottom = amounts(top_padding, bottom_padding, target_height, h,
                          ("top_padding", "bottom_padding", "target_height"))
    left, right = amounts(left_padding, right_padding, target_width, w,
                          ("left_padding", "right_padding", "target_width"))
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"The padding does not fit images of size {h}x{w}.")
    return restore(F.pad(x, (left, right, top, bottom)))


@op("extract_patches")
def extract_patches(images, size, strides=None, dilation_rate=1,
                    padding="valid", data_format=None):
    """Patches of `size` as channels: `(..., rows, cols, ph*pw*channels)`
    with the channel fastest, as Keras."""
    x, restore = _batched(images, data_format, "extract_patches")
    size = _op.tuple_of(size, 2, "size")
    strides = size if strides is None else _op.tuple_of(strides, 2,
                                                        "strides")
    dilation = _op.tuple_of(dilation_rate, 2, "dilation_rate")
    if padding == "same":
        pads = []
        for n, k, s, d in zip(x.shape[-2:], size, strides, dilation):
            total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        x = F.pad(x, (*pads[1], *pads[0]))
    elif padding != "valid":
        raise ValueError("Argument `padding` must be 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    batch, channels, h, w = x.shape
    rows = (h - (size[0] - 1) * dilation[0] - 1) // strides[0] + 1
    cols = (w - (size[1] - 1) * dilation[1] - 1) // strides[1] + 1
    blocks = F.unfold(x.to(_dtypes.float_dtype(x.dtype)), size, dilation, 0,
                      strides).to(x.dtype)
    blocks = blocks.reshape(batch, channels, size[0] * size[1], rows * cols)
    blocks = blocks.permute(0, 2, 1, 3).reshape(batch, -1, rows, cols)
    return restore(blocks)


def _gaussian(size, sigma, dtype, device):
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2.0
    kernel = torch.exp(-(x * x) / (2.0 * sigma * sigma))
    return kernel / kernel.sum()


@op("gaussian_blur")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0),
                  data_format=None):
    x, restore = _batched(images, data_format, "gaussian_blur")
    x = _dtypes.to_float(x)
    kh, kw = _op.tuple_of(kernel_size, 2, "kernel_size")
    sh, sw = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    kernel = torch.outer(_gaussian(kh, float(sh), x.dtype, x.device),
                         _gaussian(kw, float(sw), x.dtype, x.device))
    channels = x.shape[1]
    weight = kernel.expand(channels, 1, kh, kw)
    padded = F.pad(x, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2))
    return restore(F.conv2d(padded, weight, groups=channels))


@op("affine_transform")
def affine_transform(images, transform, interpolation="bilinear",
                     fill_mode="constant", fill_value=0, data_format=None):
    """Warps images by 8-parameter projective transforms mapping output
    points to input points (`[a0, a1, a2, b0, b1, b2, c0, c1]`), dividing
    by `k = c0 x + c1 y + 1` as Keras documents (and its TensorFlow
    backend computes; Keras 3.15 on torch/JAX instead shifts channel `i`
    by `i * (c0, c1)`)."""
    orders = {"nearest": 0, "bilinear": 1}
    if interpolation not in orders:
        raise ValueError("Argument `interpolation` must be 'nearest' or "
                         f"'bilinear'. Received: {interpolation!r}")
    x, restore = _batched(images, data_format, "affine_transform")
    dtype = x.dtype
    x = _dtypes.to_float(x)
    t = _tensor(transform).to(x.dtype)
    t = t.unsqueeze(0) if t.dim() == 1 else t
    batch, channels, h, w = x.shape
    if t.dim() != 2 or t.shape[1] != 8 or t.shape[0] not in (1, batch):
        raise ValueError(
            "ops.image.affine_transform: `transform` must have shape (8,) or "
            f"(batch, 8) with batch {batch} (or 1), as the images. Received: "
            f"transform.shape={tuple(t.shape)}")
    ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype, device=x.device),
                            torch.arange(w, dtype=x.dtype, device=x.device),
                            indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (
        t.expand(batch, 8)[:, i, None, None] for i in range(8))
    k = c0 * xs + c1 * ys + 1.0
    out = sample_images(x, (b0 * xs + b1 * ys + b2) / k,
                        (a0 * xs + a1 * ys + a2) / k, orders[interpolation],
                        fill_mode, fill_value)
    return restore(out if dtype.is_floating_point else out.to(dtype))


@op("ssim")
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5,
         k1=0.01, k2=0.03, data_format=None):
    """Mean structural similarity over a Gaussian window (valid region)."""
    a, restore = _batched(image1, data_format, "ssim")
    b, _ = _batched(image2, data_format, "ssim")
    a, b = _op.float_promoted(a, b)
    g = _gaussian(filter_size, float(filter_sigma), a.dtype, a.device)
    weight = torch.outer(g, g).expand(a.shape[1], 1, filter_size,
                                      filter_size)

    def blur(v):
        return F.conv2d(v, weight, groups=a.shape[1])

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    luminance = (2 * mu_a * mu_b + c1) / (mu_a ** 2 + mu_b ** 2 + c1)
    structure = (2 * cov + c2) / (var_a + var_b + c2)
    per_image = torch.mean(luminance * structure, dim=(1, 2, 3))
    return per_image.squeeze(0) if _tensor(image1).dim() == 3 else per_image


__all__ = _op.public(globals()) + ["map_coordinates"]
from lamina.ops.image_warps import *  # noqa: E402,F401,F403
from lamina.ops import image_warps as _warps  # noqa: E402

__all__ += _warps.__all__
