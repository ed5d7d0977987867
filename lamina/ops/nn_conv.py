"""Convolutions and pooling of `keras.ops.nn` on torch's functional kernels.

Layouts are Keras's: inputs channels-last unless `data_format` (or the
config) says otherwise; kernels `(*spatial, in // groups, out)`, transposed
kernels `(*spatial, out, in)`, depthwise kernels `(*spatial, in, multiplier)`.
`"same"` padding splits an odd total with the extra on the right, as Keras.
"""

import math

import torch
import torch.nn.functional as F

from lamina.ops import _op
from lamina.ops._op import op

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d,
           3: F.conv_transpose3d}


def _check_padding(padding):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(
            "Argument `padding` must be 'valid' or 'same'. Received: "
            f"padding={padding!r}")
    return padding


def _same_pads(sizes, kernel, strides, dilation):
    """(left, right) per spatial axis for "same" padding."""
    pads = []
    for size, k, s, d in zip(sizes, kernel, strides, dilation):
        effective = (k - 1) * d + 1
        total = max((math.ceil(size / s) - 1) * s + effective - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _pad_spatial(x, pads, value=0.0):
    flat = []
    for left, right in reversed(pads):
        flat.extend([left, right])
    return F.pad(x, flat, value=value) if any(flat) else x


def _prepare(inputs, kernel, data_format):
    x, w = _op.float_promoted(inputs, kernel)
    fmt = _op.data_format(data_format)
    rank = x.dim() - 2
    if rank not in _CONV:
        raise ValueError(
            "Inputs of a convolution must be 3D, 4D or 5D (batch, spatial, "
            f"channels). Received: inputs.shape={tuple(x.shape)}")
    return _op.to_channels_first(x, fmt), w, fmt, rank


def _convolve(x, weight, strides, padding, dilation, groups):
    rank = x.dim() - 2
    if padding == "same":
        x = _pad_spatial(x, _same_pads(x.shape[2:], weight.shape[2:],
                                       strides, dilation))
    return _CONV[rank](x, weight, stride=strides, dilation=dilation,
                       groups=groups)


@op("conv")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None,
         dilation_rate=1):
    """N-D convolution; `kernel` is `(*spatial, in // groups, filters)`."""
    x, w, fmt, rank = _prepare(inputs, kernel, data_format)
    if x.shape[1] % w.shape[-2]:
        raise ValueError(
            f"The input's {x.shape[1]} channels must be a multiple of the "
            f"kernel's input channels {w.shape[-2]}. Received: "
            f"inputs.shape={tuple(inputs.shape)}, kernel.shape="
            f"{tuple(w.shape)}")
    weight = w.permute(rank + 1, rank, *range(rank))
    out = _convolve(x, weight, _op.tuple_of(strides, rank, "strides"),
                    _check_padding(padding),
                    _op.tuple_of(dilation_rate, rank, "dilation_rate"),
                    x.shape[1] // w.shape[-2])
    return _op.from_channels_first(out, fmt)


@op("depthwise_conv")
def depthwise_conv(inputs, kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Per-channel convolution; `kernel` is `(*spatial, in, multiplier)`."""
    x, w, fmt, rank = _prepare(inputs, kernel, data_format)
    channels, multiplier = w.shape[-2], w.shape[-1]
    weight = w.reshape(*w.shape[:rank], 1, channels * multiplier)
    weight = weight.permute(rank + 1, rank, *range(rank))
    out = _convolve(x, weight, _op.tuple_of(strides, rank, "strides"),
                    _check_padding(padding),
                    _op.tuple_of(dilation_rate, rank, "dilation_rate"),
                    channels)
    return _op.from_channels_first(out, fmt)


@op("separable_conv")
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1,
                   padding="valid", data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a 1x1 (pointwise) one."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding,
                               data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_length(size, kernel, padding, output_padding, stride,
                      dilation):
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        return size * stride
    pad = 0 if padding == "valid" else kernel // 2
    return (size - 1) * stride + kernel - 2 * pad + output_padding


@op("conv_transpose")
def conv_transpose(inputs, kernel, strides=1, padding="valid",
                   output_padding=None, data_format=None, dilation_rate=1):
    """Transposed convolution; `kernel` is `(*spatial, filters, in)`."""
    x, w, fmt, rank = _prepare(inputs, kernel, data_format)
    padding = _check_padding(padding)
    strides = _op.tuple_of(strides, rank, "strides")
    dilation = _op.tuple_of(dilation_rate, rank, "dilation_rate")
    extra = (None,) * rank if output_padding is None else _op.tuple_of(
        output_padding, rank, "output_padding")
    weight = w.permute(rank + 1, rank, *range(rank))
    torch_pads, torch_extra, crops = [], [], []
    for i in range(rank):
        size, k = x.shape[2 + i], w.shape[i]
        target = _transpose_length(size, k, padding, extra[i], strides[i],
                                   dilation[i])
        full = (size - 1) * strides[i] + (k - 1) * dilation[i] + 1
        # Keras crops the full output evenly, the odd cell on the right.
        pad = max(full - target, 0) // 2
        length = full - 2 * pad
        torch_pads.append(pad)
        grow = target - length
        torch_extra.append(min(max(grow, 0),
                               max(strides[i], dilation[i]) - 1))
        crops.append(target)
    out = _CONV_T[rank](x, weight, stride=strides, padding=tuple(torch_pads),
                        output_padding=tuple(torch_extra), dilation=dilation)
    out = _fit(out, crops)
    return _op.from_channels_first(out, fmt)


def _fit(x, lengths):
    """Crops (from the end) or zero-pads each spatial axis to `lengths`."""
    for i, length in enumerate(lengths):
        axis = 2 + i
        if x.shape[axis] > length:
            x = x.narrow(axis, 0, length)
        elif x.shape[axis] < length:
            pads = [0, 0] * (x.dim() - axis - 1) + [0, length - x.shape[axis]]
            x = F.pad(x, pads)
    return x


def _pool_args(x, pool_size, strides, padding, data_format):
    fmt = _op.data_format(data_format)
    x = _op.to_channels_first(_op.tensors(x)[0], fmt)
    rank = x.dim() - 2
    pool = _op.tuple_of(pool_size, rank, "pool_size")
    strides = pool if strides is None else _op.tuple_of(strides, rank,
                                                        "strides")
    return x, fmt, rank, pool, strides, _check_padding(padding)


@op("max_pool")
def max_pool(inputs, pool_size, strides=None, padding="valid",
             data_format=None):
    x, fmt, rank, pool, strides, padding = _pool_args(
        inputs, pool_size, strides, padding, data_format)
    if padding == "same":
        x = _pad_spatial(x, _same_pads(x.shape[2:], pool, strides,
                                       (1,) * rank), value=-math.inf)
    fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[rank - 1]
    return _op.from_channels_first(fn(x, pool, strides), fmt)


@op("average_pool")
def average_pool(inputs, pool_size, strides=None, padding="valid",
                 data_format=None):
    """Average pooling; with "same" padding the padded cells do not count
    toward the average."""
    x, fmt, rank, pool, strides, padding = _pool_args(
        inputs, pool_size, strides, padding, data_format)
    x = x if x.is_floating_point() else x.to(torch.get_default_dtype())
    fn = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[rank - 1]
    if padding == "valid":
        return _op.from_channels_first(fn(x, pool, strides), fmt)
    pads = _same_pads(x.shape[2:], pool, strides, (1,) * rank)
    total = fn(_pad_spatial(x, pads), pool, strides)
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype,
                      device=x.device)
    counts = fn(_pad_spatial(ones, pads), pool, strides)
    return _op.from_channels_first(total / counts, fmt)


def _adaptive(inputs, output_size, data_format, kind):
    fmt = _op.data_format(data_format)
    x = _op.to_channels_first(_op.tensors(inputs)[0], fmt)
    rank = x.dim() - 2
    size = _op.tuple_of(output_size, rank, "output_size")
    if kind == "max":
        fn = (F.adaptive_max_pool1d, F.adaptive_max_pool2d,
              F.adaptive_max_pool3d)[rank - 1]
    else:
        x = x if x.is_floating_point() else x.to(torch.get_default_dtype())
        fn = (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d,
              F.adaptive_avg_pool3d)[rank - 1]
    return _op.from_channels_first(fn(x, size), fmt)


@op("adaptive_max_pool")
def adaptive_max_pool(inputs, output_size, data_format=None):
    return _adaptive(inputs, output_size, data_format, "max")


@op("adaptive_average_pool")
def adaptive_average_pool(inputs, output_size, data_format=None):
    return _adaptive(inputs, output_size, data_format, "average")


__all__ = _op.public(globals())
