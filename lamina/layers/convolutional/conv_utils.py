"""Helpers shared by the convolution and pooling layers.

Argument checks that name the layer, Keras's "same" padding arithmetic (the
TensorFlow rule: extra pixel on the right/bottom), output-shape formulas, and
zero-copy layout views: channels_last data is permuted to NCHW as a view,
which torch sees as `channels_last` memory, so kernels run on NHWC memory
without copies. 1D data is lifted to 2D (a unit height) for the same reason.
"""

import operator

import torch
import torch.nn.functional as F

from lamina import config
from lamina.layers.input_spec import InputSpec

# Channels-last <-> channels-first permutations of the (lifted) tensors.
_TO_CHANNELS_FIRST = {2: (0, 3, 1, 2), 3: (0, 4, 1, 2, 3)}
_TO_CHANNELS_LAST = {2: (0, 2, 3, 1), 3: (0, 2, 3, 4, 1)}


def describe(layer):
    return f"{type(layer).__name__} layer '{layer.name}'"


def invalid_argument(layer, name, expected, value):
    return ValueError(
        f"Invalid value for argument `{name}` of {describe(layer)}. "
        f"Expected {expected}. Received: {name}={value!r}"
    )


def standardize_tuple(layer, value, n, name, allow_zero=False):
    """Returns `value` as a tuple of `n` ints (> 0, or >= 0 if allowed)."""
    bound = ">= 0" if allow_zero else "> 0"
    expected = f"an int or a tuple of {n} ints, each {bound}"
    if isinstance(value, bool):
        raise invalid_argument(layer, name, expected, value)
    try:
        values = (operator.index(value),) * n
    except TypeError:
        try:
            values = tuple(value)
        except TypeError:
            raise invalid_argument(layer, name, expected, value) from None
        if len(values) != n or any(isinstance(v, bool) for v in values):
            raise invalid_argument(layer, name, expected, value)
        try:
            values = tuple(operator.index(v) for v in values)
        except TypeError:
            raise invalid_argument(layer, name, expected, value) from None
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise invalid_argument(layer, name, expected, value)
    return values


def standardize_padding(layer, value, allowed=("valid", "same")):
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    choices = ", ".join(repr(a) for a in allowed)
    raise invalid_argument(layer, "padding", f"one of {choices}", value)


def standardize_data_format(layer, value):
    try:
        return config.standardize_data_format(value)
    except ValueError:
        raise invalid_argument(
            layer, "data_format", "'channels_last' or 'channels_first'", value
        ) from None


def positive_int(layer, value, name):
    if isinstance(value, bool):
        raise invalid_argument(layer, name, "a strictly positive int", value)
    try:
        value = operator.index(value)
    except TypeError:
        raise invalid_argument(
            layer, name, "a strictly positive int", value) from None
    if value <= 0:
        raise invalid_argument(layer, name, "a strictly positive int", value)
    return value


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def channel_input_spec(layer, channels):
    """The built layer's input spec: its rank, with `channels` channels."""
    return InputSpec(ndim=layer.rank + 2,
                     axes={channel_axis(layer.data_format): channels})


def add_bias(layer, size):
    """Adds the layer's `(size,)` bias weight; None without `use_bias`."""
    if not layer.use_bias:
        return None
    return layer.add_weight(
        name="bias", shape=(size,), initializer=layer.bias_initializer,
        regularizer=layer.bias_regularizer, constraint=layer.bias_constraint,
    )


def spatial_dims(shape, data_format):
    shape = tuple(shape)
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def with_spatial(shape, data_format, spatial, channels):
    """Builds `(batch, *spatial, channels)` in the layout of the data."""
    if data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (channels,)
    return (shape[0], channels) + tuple(spatial)


def input_channels(layer, input_shape, data_format):
    channels = tuple(input_shape)[channel_axis(data_format)]
    if channels is None:
        raise ValueError(
            f"{describe(layer)} needs a defined channel dimension (axis "
            f"{channel_axis(data_format)} with data_format='{data_format}'). "
            f"Received: input_shape={tuple(input_shape)}"
        )
    return channels


# ----------------------------------------------------------------------
# Padding and output-size arithmetic (one spatial dimension at a time).
def effective_size(kernel, dilation):
    return (kernel - 1) * dilation + 1


def same_padding(size, kernel, stride, dilation=1):
    """(left, right) "same" padding, TF's rule: any odd pixel goes right."""
    needed = (-(-size // stride) - 1) * stride + effective_size(
        kernel, dilation) - size
    total = max(needed, 0)
    return total // 2, total - total // 2


def conv_output_size(size, kernel, stride, dilation, padding):
    if size is None:
        return None
    if padding == "valid":
        return (size - effective_size(kernel, dilation)) // stride + 1
    return (size - 1) // stride + 1


def check_output_sizes(layer, input_shape, out_spatial, arguments):
    """Raises if the window arguments leave no output for this input."""
    if all(size is None or size > 0 for size in out_spatial):
        return
    details = ", ".join(f"{k}={v}" for k, v in arguments.items())
    raise ValueError(
        f"{describe(layer)}: the input is too small for the window. With "
        f"{details}, an input of shape {tuple(input_shape)} would give an "
        f"output of spatial size {tuple(out_spatial)} (zero or negative). Use "
        "a larger input or change the window arguments."
    )


def transpose_output_size(size, kernel, stride, dilation, padding,
                          output_padding):
    """Output length of a transposed convolution, as Keras computes it."""
    if size is None:
        return None
    k = effective_size(kernel, dilation)
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None \
            else output_padding
        return (size - 1) * stride + k + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + k % 2 + output_padding


def transpose_crops(size, kernel, stride, dilation, padding, output_padding):
    """(left, right) crops of the full transposed output (torch, padding=0)
    that give Keras's window; a negative crop means zeros appended."""
    k = effective_size(kernel, dilation)
    full = (size - 1) * stride + k
    out = transpose_output_size(size, kernel, stride, dilation, padding,
                                output_padding)
    if padding == "valid":
        left = 0
    else:
        total = (stride + k - 2 if output_padding is None
                 else k + k % 2 - 2 + output_padding)
        left = k - 1 - min(total - total // 2, k - 1)
    return left, full - out - left


# ----------------------------------------------------------------------
# Layout views. Spatial tuples, kernels and data of 1D layers are lifted to
# 2D with a unit first spatial dimension, so NLC data is a channels_last view.
def lift(values, fill):
    return (fill,) + tuple(values) if len(values) == 1 else tuple(values)


def to_torch_layout(x, data_format):
    """NCHW-style view of the data (1D lifted to `(N, C, 1, L)`); no copy."""
    if x.dim() == 3:
        if data_format == "channels_last":
            return x.unsqueeze(1).permute(0, 3, 1, 2)
        return x.unsqueeze(2)
    if data_format == "channels_last":
        return x.permute(_TO_CHANNELS_FIRST[x.dim() - 2])
    return x


def from_torch_layout(y, data_format, rank):
    """Inverse of `to_torch_layout` (a view)."""
    if data_format == "channels_last":
        y = y.permute(_TO_CHANNELS_LAST[y.dim() - 2])
        return y.squeeze(1) if rank == 1 else y
    return y.squeeze(2) if rank == 1 else y


def kernel_to_torch(kernel, rank):
    """Keras kernel `(*window, a, b)` as torch's `(b, a, *window)`: a view."""
    if rank == 1:
        kernel = kernel.unsqueeze(0)
    n = kernel.dim()
    return kernel.permute(n - 1, n - 2, *range(n - 2))


def kernel_storage_order(rank, data_format, depthwise=False):
    """The memory order (outermost first) of a Keras-layout kernel
    `(*window, a, b)` whose `kernel_to_torch` view `(b, a, *window)` torch
    takes without a copy: channels_last-strided for channels_last data,
    contiguous for channels_first data. A depthwise kernel `(*window, in,
    multiplier)` runs as `(in * multiplier, 1, *window)`, which is both."""
    window = tuple(range(rank))
    if depthwise:
        return (rank, rank + 1) + window
    if data_format == "channels_last":
        return (rank + 1,) + window + (rank,)
    return (rank + 1, rank) + window


def lay_out_kernel(variable, order):
    """Re-lays `variable`'s memory in `order` (see `kernel_storage_order`),
    keeping its shape, values and identity: the weight still has Keras's
    shape everywhere (`get_weights`, `state_dict`, files), and in-place
    updates (optimizers, `assign`, loading) keep the layout."""
    with torch.no_grad():
        data = torch.empty_permuted(tuple(variable.shape), order,
                                    dtype=variable.dtype,
                                    device=variable.device)
        data.copy_(variable)
        variable.data = data
    return variable


def pad_spatial(x, pads, value=0.0):
    """Pads the spatial dims of a torch-layout tensor by (left, right) pairs."""
    flat = []
    for left, right in reversed(pads):
        flat.extend((left, right))
    return F.pad(x, flat, value=value)


def same_padding_args(spatial, kernel, strides, dilation):
    """("same") returns `(pads, torch_padding)`: `pads` is None when torch's
    symmetric padding is exact, else the explicit pairs to apply first."""
    pads = [same_padding(n, k, s, d)
            for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    if all(left == right for left, right in pads):
        return None, tuple(left for left, _ in pads)
    return pads, 0


def apply_padding(x, padding, kernel, strides, dilation):
    """Pads torch-layout data for `padding`; returns it and torch's `padding`.

    `kernel`, `strides` and `dilation` are the lifted torch tuples.
    """
    if padding == "valid":
        return x, 0
    if padding == "causal":
        left = effective_size(kernel[-1], dilation[-1]) - 1
        pads = [(0, 0)] * (len(kernel) - 1) + [(left, 0)]
        return pad_spatial(x, pads), 0
    pads, torch_padding = same_padding_args(
        x.shape[2:], kernel, strides, dilation)
    if pads is not None:
        x = pad_spatial(x, pads)
    return x, torch_padding


def cast(tensor, dtype):
    """`tensor` in `dtype` (None stays None); no-op when already there."""
    if tensor is None or tensor.dtype == dtype:
        return tensor
    return tensor.to(dtype)
