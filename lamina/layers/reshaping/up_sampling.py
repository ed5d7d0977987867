"""UpSampling1D/2D/3D: repeat (or interpolate) along the spatial axes.

Nearest-neighbour upsampling by integer factors is exact repetition, done
with one broadcast copy in the data's own layout. UpSampling2D's smooth
modes follow Keras's resize numerics: "bilinear" and "bicubic" are
`F.interpolate` with half-pixel centres (`align_corners=False`, no
antialiasing), as on Keras's torch backend; "lanczos3"/"lanczos5" use the
separable kernels of Keras's JAX and NumPy backends; "area" (TensorFlow
backend) equals repetition for integer factors.
"""

import functools
import math
import operator

import torch
import torch.nn.functional as F

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.reshaping.zero_padding import spatial_axes

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5",
                   "area")
_REPEATING = ("nearest", "area")
_LANCZOS_RADIUS = {"lanczos3": 3.0, "lanczos5": 5.0}
_INTEGER_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32,
                   torch.int64)


def repeat_axes(x, axes, factors):
    """Repeats every entry `factor` times along each axis in `axes`."""
    expanded = x
    for axis in sorted(axes, reverse=True):
        expanded = expanded.unsqueeze(axis + 1)
    by_axis = dict(zip(axes, factors))
    expand_shape, out_shape = [], []
    for axis, n in enumerate(x.shape):
        if axis in by_axis:
            expand_shape += [n, by_axis[axis]]
            out_shape.append(n * by_axis[axis])
        else:
            expand_shape.append(n)
            out_shape.append(n)
    return expanded.expand(expand_shape).reshape(out_shape)


@functools.lru_cache(maxsize=64)
def _lanczos_weights(in_size, factor, radius):
    """`(in_size, in_size * factor)` float64 weights of Keras's (JAX/NumPy
    backend) Lanczos resize without antialiasing."""
    sample = (torch.arange(in_size * factor, dtype=torch.float64) + 0.5) \
        / factor - 0.5
    dist = (sample[None, :] - torch.arange(in_size, dtype=torch.float64)[
        :, None]).abs()
    safe = torch.where(dist != 0, dist, 1.0)
    kernel = radius * torch.sin(math.pi * dist) * torch.sin(
        math.pi * dist / radius) / (math.pi ** 2 * safe ** 2)
    kernel = torch.where(dist > 1e-3, kernel, 1.0)
    kernel = torch.where(dist > radius, 0.0, kernel)
    total = kernel.sum(0, keepdim=True)
    tiny = 1000.0 * torch.finfo(torch.float32).eps
    # Upsampled sample points all lie inside the input, so Keras's
    # out-of-range mask never applies here.
    return torch.where(total.abs() > tiny,
                       kernel / torch.where(total != 0, total, 1.0), 0.0)


def _positive_int(layer, value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(
                f"Invalid type for argument `{name}` of "
                f"{conv_utils.describe(layer)}. Expected an int. Received: "
                f"{name}={value!r} of type {type(value).__name__}"
            ) from None
    if value <= 0:
        raise conv_utils.invalid_argument(layer, name,
                                          "a strictly positive int", value)
    return value


def _size_out(n, factor):
    return None if n is None else n * factor


class BaseUpSampling(Layer):
    """Nearest-neighbour upsampling of the `_rank` spatial axes.

    Args:
        size: int or tuple of `rank` ints, the factor per spatial axis.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
    """

    _rank = None

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self.size = conv_utils.standardize_tuple(self, size, self._rank,
                                                 "size")
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._axes = spatial_axes(self._rank, self.data_format)

    def call(self, inputs):
        return repeat_axes(inputs, self._axes, self.size)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._axes, self.size):
            shape[axis] = _size_out(shape[axis], factor)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


@register()
class UpSampling1D(Layer):
    """Upsampling layer for 1D inputs: repeats each step `size` times.

    Args:
        size: positive int, the upsampling factor. Defaults to 2.

    Input shape:
        3D tensor `(batch, steps, features)`.

    Output shape:
        3D tensor `(batch, steps * size, features)`.

    Example:
        >>> UpSampling1D(2)(torch.arange(3.0).reshape(1, 3, 1))[0, :, 0]
        tensor([0., 0., 1., 1., 2., 2.])
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _positive_int(self, size, "size")
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return repeat_axes(inputs, (1,), (self.size,))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _size_out(input_shape[1], self.size),
                input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


@register()
class UpSampling2D(BaseUpSampling):
    """Upsampling layer for 2D inputs (e.g. images).

    Args:
        size: int or tuple of 2 ints, the factors for rows and columns.
            Defaults to `(2, 2)`.
        data_format: `"channels_last"` (`(batch, height, width, channels)`)
            or `"channels_first"` (`(batch, channels, height, width)`);
            defaults to `lamina.config.image_data_format()`.
        interpolation: `"nearest"` (repetition, the default), `"bilinear"`,
            `"bicubic"`, `"lanczos3"`, `"lanczos5"` or `"area"`
            (repetition for integer factors).

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).

    Output shape:
        4D tensor `(batch, rows * size[0], cols * size[1], channels)`
        (channels_last).

    Example:
        >>> UpSampling2D((1, 2))(torch.ones(2, 2, 3, 1)).shape
        torch.Size([2, 2, 6, 1])
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None,
                 interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if not isinstance(interpolation, str) or \
                interpolation.lower() not in _INTERPOLATIONS:
            raise conv_utils.invalid_argument(
                self, "interpolation",
                "one of " + ", ".join(repr(i) for i in _INTERPOLATIONS),
                interpolation)
        self.interpolation = interpolation.lower()

    def call(self, inputs):
        if self.interpolation in _REPEATING:
            return repeat_axes(inputs, self._axes, self.size)
        x = inputs
        if x.dtype not in (torch.float32, torch.float64):
            # Keras resizes other dtypes in float32 and casts back.
            x = x.to(torch.float32)
        if self.interpolation in _LANCZOS_RADIUS:
            out = self._lanczos(x)
        else:
            out = self._interpolate(x)
        if out.dtype != inputs.dtype:
            out = self._cast_back(out, inputs)
        return out

    def _interpolate(self, x):
        channels_last = self.data_format == "channels_last"
        if channels_last:
            # A view: NCHW in channels_last memory, which F.interpolate keeps,
            # so the permute back below is contiguous NHWC again.
            x = x.permute(0, 3, 1, 2)
        out = F.interpolate(
            x, size=(x.shape[2] * self.size[0], x.shape[3] * self.size[1]),
            mode=self.interpolation, align_corners=False)
        return out.permute(0, 2, 3, 1) if channels_last else out

    def _lanczos(self, x):
        radius = _LANCZOS_RADIUS[self.interpolation]
        h_axis, w_axis = self._axes
        wh = _lanczos_weights(x.shape[h_axis], self.size[0], radius)
        ww = _lanczos_weights(x.shape[w_axis], self.size[1], radius)
        equation = "bhwc,hH,wW->bHWc" if self.data_format == \
            "channels_last" else "bchw,hH,wW->bcHW"
        return torch.einsum(equation, x, wh.to(x.device, x.dtype),
                            ww.to(x.device, x.dtype))

    def _cast_back(self, out, inputs):
        dtype = inputs.dtype
        if dtype in _INTEGER_DTYPES:
            out = out.round()
            if self.interpolation in _LANCZOS_RADIUS:
                out = out.clamp(inputs.min(), inputs.max())
            elif self.interpolation == "bicubic" and dtype == torch.uint8:
                out = out.clamp(0, 255)
        return out.to(dtype)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


@register()
class UpSampling3D(BaseUpSampling):
    """Upsampling layer for 3D inputs: repeats entries along the three
    spatial axes.

    Args:
        size: int or tuple of 3 ints, the factors for dim1, dim2 and dim3.
            Defaults to `(2, 2, 2)`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`); defaults
            to `lamina.config.image_data_format()`.

    Input shape:
        5D tensor `(batch, d1, d2, d3, channels)` (channels_last).

    Output shape:
        5D tensor with each spatial axis multiplied by its factor.

    Example:
        >>> UpSampling3D(2)(torch.ones(2, 1, 2, 3, 4)).shape
        torch.Size([2, 2, 4, 6, 4])
    """

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
