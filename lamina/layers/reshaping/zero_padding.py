"""ZeroPadding1D/2D/3D: add rows of zeros around the spatial axes.

`standardize_pairs` (also used by the cropping layers) turns Keras's
padding spellings (an int, one int per axis, or one `(before, after)` pair
per axis) into pairs of non-negative ints.
"""

import operator

import torch.nn.functional as F

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register


def _non_negative_int(value):
    if isinstance(value, bool):
        raise TypeError
    value = operator.index(value)
    if value < 0:
        raise ValueError
    return value


def _pair(value):
    """An int `n` gives `(n, n)`; a pair of ints is kept."""
    try:
        n = _non_negative_int(value)
        return (n, n)
    except TypeError:
        pass
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError
    return tuple(_non_negative_int(v) for v in pair)


def standardize_pairs(layer, value, rank, name):
    """`value` as `rank` `(before, after)` pairs of ints >= 0.

    For `rank == 1` Keras takes an int or one pair; for higher ranks an int,
    `rank` ints (symmetric per axis) or `rank` pairs.
    """
    if rank == 1:
        expected = "an int or a tuple of 2 ints, each >= 0"
    else:
        expected = (f"an int, a tuple of {rank} ints or a tuple of {rank} "
                    "tuples of 2 ints, each >= 0")
    try:
        if rank == 1:
            return (_pair(value),)
        try:
            n = _non_negative_int(value)
            return ((n, n),) * rank
        except TypeError:
            pass
        entries = tuple(value)
        if len(entries) != rank:
            raise ValueError
        return tuple(_pair(v) for v in entries)
    except (TypeError, ValueError):
        raise conv_utils.invalid_argument(layer, name, expected, value) \
            from None


def spatial_axes(rank, data_format):
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))


def resized_shape(input_shape, axes, pairs, sign):
    """`input_shape` with each known spatial size grown (`sign=1`) or
    shrunk (`sign=-1`) by its `(before, after)` pair."""
    shape = list(input_shape)
    for axis, (before, after) in zip(axes, pairs):
        if shape[axis] is not None:
            shape[axis] += sign * (before + after)
    return tuple(shape)


class BaseZeroPadding(Layer):
    """Pads the `_rank` spatial axes of the input with zeros.

    Args:
        padding: int, tuple of `rank` ints, or tuple of `rank` pairs
            `(before, after)` (for 1D: an int or one pair).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
    """

    _rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        pairs = standardize_pairs(self, padding, self._rank, "padding")
        self._pairs = pairs
        self.padding = pairs[0] if self._rank == 1 else pairs
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._axes = spatial_axes(self._rank, self.data_format)
        # F.pad takes (before, after) pairs starting from the last axis, so
        # channels-last data needs a (0, 0) pair for its channel axis first.
        by_axis = dict(zip(self._axes, pairs))
        self._torch_pad = []
        for axis in range(self._rank + 1, self._axes[0] - 1, -1):
            self._torch_pad.extend(by_axis.get(axis, (0, 0)))

    def call(self, inputs):
        return F.pad(inputs, self._torch_pad)

    def compute_output_shape(self, input_shape):
        return resized_shape(input_shape, self._axes, self._pairs, 1)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding,
                       "data_format": self.data_format})
        return config


@register()
class ZeroPadding1D(BaseZeroPadding):
    """Zero-padding for 1D input (e.g. a temporal sequence).

    Args:
        padding: int or tuple of 2 ints: zeros added at the start and end of
            the padded axis. An int `n` means `(n, n)`. Defaults to 1.
        data_format: `"channels_last"` (`(batch, steps, features)`) or
            `"channels_first"` (`(batch, features, steps)`); defaults to
            `lamina.config.image_data_format()`.

    Input shape:
        3D tensor `(batch, steps, features)` (channels_last).

    Output shape:
        `(batch, steps + before + after, features)` (channels_last).

    Example:
        >>> ZeroPadding1D(2)(torch.ones(1, 3, 1)).shape
        torch.Size([1, 7, 1])
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


@register()
class ZeroPadding2D(BaseZeroPadding):
    """Zero-padding for 2D input (e.g. a picture).

    Args:
        padding: int (same on all four sides), tuple of 2 ints (symmetric
            height and width padding) or tuple of 2 tuples of 2 ints
            `((top, bottom), (left, right))`. Defaults to `(1, 1)`.
        data_format: `"channels_last"` (`(batch, height, width, channels)`)
            or `"channels_first"` (`(batch, channels, height, width)`);
            defaults to `lamina.config.image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).

    Output shape:
        `(batch, padded_rows, padded_cols, channels)` (channels_last).

    Example:
        >>> ZeroPadding2D(((1, 0), (0, 2)))(torch.ones(1, 2, 2, 1)).shape
        torch.Size([1, 3, 4, 1])
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


@register()
class ZeroPadding3D(BaseZeroPadding):
    """Zero-padding for 3D data (spatial or spatio-temporal).

    Args:
        padding: int, tuple of 3 ints (symmetric per axis) or tuple of 3
            tuples of 2 ints `((before, after), ...)` for the three spatial
            axes. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`); defaults
            to `lamina.config.image_data_format()`.

    Input shape:
        5D tensor `(batch, d1, d2, d3, channels)` (channels_last).

    Output shape:
        5D tensor with each spatial axis grown by its padding.

    Example:
        >>> ZeroPadding3D(1)(torch.ones(1, 2, 2, 2, 1)).shape
        torch.Size([1, 4, 4, 4, 1])
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None,
                 **kwargs):
        super().__init__(padding, data_format, **kwargs)
