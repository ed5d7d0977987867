"""The remaining `keras.ops.image` functions: perspective and elastic
warps, `scale_and_translate` (separable resampling kernels), Sobel edges
and 3D patches. Re-exported by `lamina.ops.image`."""

import math

import torch
import torch.nn.functional as F

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops._sampling import sample_images
from lamina.ops.core import _tensor

_ORDERS = {"nearest": 0, "bilinear": 1}


def _images(images, data_format, name):
    x = _tensor(images)
    if x.dim() not in (3, 4):
        raise ValueError(f"ops.image.{name}: `images` must be 3D or 4D. "
                         f"Received: images.shape={tuple(x.shape)}")
    fmt = _op.data_format(data_format)
    single = x.dim() == 3
    x = _op.to_channels_first(x.unsqueeze(0) if single else x, fmt)

    def restore(y):
        y = _op.from_channels_first(y, fmt)
        return y.squeeze(0) if single else y

    return x, restore


def _warp(x, x_in, y_in, order, fill_mode, fill_value):
    """Samples each image `i` of `x` at per-image grids `(y_in, x_in)`."""
    shape = (x.shape[0],) + tuple(x_in.shape[-2:])
    return sample_images(x, y_in.expand(shape), x_in.expand(shape), order,
                         fill_mode, fill_value)


def _homography(start, end):
    """The 8 coefficients mapping `end` points (output) to `start` points
    (input), one row per image."""
    rows, rhs = [], []
    for k in range(4):
        (xs, ys), (xe, ye) = start[:, k].unbind(-1), end[:, k].unbind(-1)
        zero, one = torch.zeros_like(xs), torch.ones_like(xs)
        rows.append(torch.stack([xe, ye, one, zero, zero, zero, -xe * xs,
                                 -ye * xs], -1))
        rows.append(torch.stack([zero, zero, zero, xe, ye, one, -xe * ys,
                                 -ye * ys], -1))
        rhs.extend([xs, ys])
    matrix, target = torch.stack(rows, 1), torch.stack(rhs, 1)
    return torch.linalg.solve(matrix.double(), target.double()).to(
        start.dtype)


@op("perspective_transform")
def perspective_transform(images, start_points, end_points,
                          interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warps images so that `start_points` (4 `(x, y)` corners in the
    input) land on `end_points` in the output."""
    if interpolation not in _ORDERS:
        raise ValueError("Argument `interpolation` must be 'nearest' or "
                         f"'bilinear'. Received: {interpolation!r}")
    x, restore = _images(images, data_format, "perspective_transform")
    dtype = x.dtype
    x = _dtypes.to_float(x)
    start = _tensor(start_points).to(x.dtype).reshape(-1, 4, 2)
    end = _tensor(end_points).to(x.dtype).reshape(-1, 4, 2)
    h = _homography(start, end).expand(x.shape[0], 8)
    ys, xs = torch.meshgrid(
        torch.arange(x.shape[2], dtype=x.dtype, device=x.device),
        torch.arange(x.shape[3], dtype=x.dtype, device=x.device),
        indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (h[:, i, None, None] for i in range(8))
    k = c0 * xs + c1 * ys + 1.0
    out = _warp(x, (a0 * xs + a1 * ys + a2) / k, (b0 * xs + b1 * ys + b2) / k,
                _ORDERS[interpolation], "constant", fill_value)
    return restore(out if dtype.is_floating_point else out.to(dtype))


def _smooth(noise, sigma):
    size = int(2 * round(3 * sigma) + 1)
    grid = torch.arange(size, dtype=noise.dtype, device=noise.device) - (
        size - 1) / 2.0
    kernel = torch.exp(-(grid * grid) / (2.0 * sigma * sigma))
    kernel = kernel / kernel.sum()
    pad = size // 2
    flat = noise.reshape(-1, 1, *noise.shape[-2:])
    flat = F.conv2d(F.pad(flat, (pad, pad, 0, 0), mode="replicate"),
                    kernel.reshape(1, 1, 1, size))
    flat = F.conv2d(F.pad(flat, (0, 0, pad, pad), mode="replicate"),
                    kernel.reshape(1, 1, size, 1))
    return flat.reshape(noise.shape)


@op("elastic_transform")
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None,
                      data_format=None):
    """Displaces every pixel by Gaussian-smoothed uniform noise scaled by
    `alpha` (one field per image, shared by its channels); `seed` (an int
    or a `SeedGenerator`-like object with `next()`) fixes the noise."""
    if interpolation not in _ORDERS:
        raise ValueError("Argument `interpolation` must be 'nearest' or "
                         f"'bilinear'. Received: {interpolation!r}")
    x, restore = _images(images, data_format, "elastic_transform")
    dtype = x.dtype
    x = _dtypes.to_float(x)
    generator = torch.Generator().manual_seed(_seed_value(seed))
    batch, _, height, width = x.shape
    noise = torch.rand((2, batch, height, width), generator=generator,
                       dtype=x.dtype).to(x.device) * 2.0 - 1.0
    dy, dx = (_smooth(noise, float(sigma)) * float(alpha)).unbind(0)
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=x.dtype, device=x.device),
        torch.arange(width, dtype=x.dtype, device=x.device), indexing="ij")
    out = _warp(x, xs + dx, ys + dy, _ORDERS[interpolation], fill_mode,
                fill_value)
    return restore(out if dtype.is_floating_point else
                   torch.round(out).to(dtype))


def _seed_value(seed):
    if seed is None:
        return int(torch.randint(0, 2 ** 31 - 1, ()).item())
    if isinstance(seed, int):
        return seed
    state = getattr(seed, "next", None)
    if state is None:
        raise ValueError("Argument `seed` must be None, an int or a "
                         f"SeedGenerator. Received: {seed!r}")
    value = _tensor(state()).reshape(-1)
    return int(value[0].item()) * 1_000_003 + int(value[-1].item())


def _kernel(method):
    def cubic(t):
        t = torch.abs(t)
        a = -0.5
        near = ((a + 2) * t - (a + 3)) * t * t + 1
        far = ((t - 5) * t + 8) * t * a - 4 * a
        return torch.where(t <= 1, near, torch.where(t < 2, far,
                                                     torch.zeros_like(t)))

    def lanczos(radius):
        def fn(t):
            t = torch.abs(t)
            out = torch.sinc(t) * torch.sinc(t / radius)
            return torch.where(t < radius, out, torch.zeros_like(t))
        return fn

    kernels = {"linear": lambda t: torch.clamp(1 - torch.abs(t), min=0),
               "cubic": cubic, "lanczos3": lanczos(3), "lanczos5": lanczos(5)}
    aliases = {"bilinear": "linear", "trilinear": "linear",
               "triangle": "linear", "bicubic": "cubic", "tricubic": "cubic"}
    method = aliases.get(method, method)
    if method not in kernels:
        raise ValueError("Argument `method` must be one of linear, bilinear, "
                         "trilinear, triangle, cubic, bicubic, tricubic, "
                         f"lanczos3, lanczos5. Received: method={method!r}")
    return kernels[method]


def _weights(in_size, out_size, scale, translation, kernel, antialias,
             dtype):
    sample_at = (torch.arange(out_size, dtype=dtype) + 0.5 - translation) \
        / scale
    width = 1.0 / scale if antialias and scale < 1.0 else 1.0
    grid = torch.arange(in_size, dtype=dtype) + 0.5
    weights = kernel((grid[None, :] - sample_at[:, None]) / width)
    total = weights.sum(-1, keepdim=True)
    weights = torch.where(total.abs() > 1000 * torch.finfo(dtype).eps,
                          weights / torch.where(total == 0,
                                                torch.ones_like(total),
                                                total),
                          torch.zeros_like(weights))
    inside = (sample_at >= 0) & (sample_at <= in_size)
    return weights * inside[:, None].to(dtype)


@op("scale_and_translate")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims,
                        method, antialias=True):
    """Resamples `images` along `spatial_dims` so that input location `x`
    lands at `x * scale + translation` (half-pixel centers)."""
    x = _dtypes.to_float(_tensor(images))
    kernel = _kernel(method)
    scale = _tensor(scale).to(torch.float64).reshape(-1)
    translation = _tensor(translation).to(torch.float64).reshape(-1)
    output_shape = tuple(int(s) for s in output_shape)
    for i, dim in enumerate(spatial_dims):
        w = _weights(x.shape[dim], output_shape[dim], float(scale[i]),
                     float(translation[i]), kernel, antialias, torch.float64)
        moved = torch.movedim(x, dim, -1)
        x = torch.movedim(torch.matmul(moved, w.T.to(x.dtype).to(x.device)),
                          -1, dim)
    return x


@op("sobel_edges")
def sobel_edges(images, data_format=None):
    """Vertical and horizontal Sobel gradients, stacked last as
    `[dy, dx]`; the image is zero-padded, as Keras."""
    single = _tensor(images).dim() == 3
    fmt = _op.data_format(data_format)
    x, _ = _images(images, data_format, "sobel_edges")
    x = _dtypes.to_float(x)
    dy = torch.tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=x.dtype,
                      device=x.device)
    kernels = torch.stack([dy, dy.T]).unsqueeze(1)
    channels = x.shape[1]
    padded = F.pad(x, (1, 1, 1, 1))
    out = F.conv2d(padded.reshape(-1, 1, *padded.shape[-2:]), kernels)
    out = out.reshape(x.shape[0], channels, 2, *x.shape[-2:]).movedim(2, -1)
    if fmt == "channels_last":
        out = out.movedim(1, 3)
    return out.squeeze(0) if single else out


def _same_pads(sizes, kernel, strides, dilation):
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


@op("extract_patches_3d")
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1,
                       padding="valid", data_format=None):
    """Patches of `size` as channels: `(..., d, h, w, pd*ph*pw*channels)`
    with the channel fastest."""
    x = _tensor(volumes)
    if x.dim() not in (4, 5):
        raise ValueError("ops.image.extract_patches_3d: `volumes` must be 4D "
                         f"or 5D. Received: shape={tuple(x.shape)}")
    fmt = _op.data_format(data_format)
    single = x.dim() == 4
    x = _op.to_channels_first(x.unsqueeze(0) if single else x, fmt)
    size = _op.tuple_of(size, 3, "size")
    strides = size if strides is None else _op.tuple_of(strides, 3,
                                                        "strides")
    dilation = _op.tuple_of(dilation_rate, 3, "dilation_rate")
    if padding == "same":
        pads = _same_pads(x.shape[2:], size, strides, dilation)
        x = F.pad(x, [p for pair in reversed(pads) for p in pair])
    elif padding != "valid":
        raise ValueError("Argument `padding` must be 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    channels = x.shape[1]
    count = size[0] * size[1] * size[2]
    eye = torch.eye(count * channels, dtype=_dtypes.float_dtype(x.dtype),
                    device=x.device)
    # Output channel (patch position) * channels + channel, as Keras.
    kernel = eye.reshape(count * channels, *size, channels).permute(
        0, 4, 1, 2, 3)
    out = F.conv3d(x.to(kernel.dtype), kernel, stride=strides,
                   dilation=dilation).to(x.dtype)
    out = _op.from_channels_first(out, fmt)
    return out.squeeze(0) if single else out


__all__ = _op.public(globals())
