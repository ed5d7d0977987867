"""Cropping1D/2D/3D: trim the spatial axes; the result is a view (no copy)."""

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.reshaping.zero_padding import resized_shape
from lamina.layers.reshaping.zero_padding import spatial_axes
from lamina.layers.reshaping.zero_padding import standardize_pairs


class BaseCropping(Layer):
    """Removes `(before, after)` entries along each of the `_rank` spatial
    axes.

    Args:
        cropping: int, tuple of `rank` ints, or tuple of `rank` pairs
            `(before, after)` (for 1D: an int or one pair).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
    """

    _rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self._pairs = standardize_pairs(self, cropping, self._rank,
                                        "cropping")
        self.cropping = self._pairs[0] if self._rank == 1 else self._pairs
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._axes = spatial_axes(self._rank, self.data_format)
        index = [slice(None)] * (self._rank + 2)
        for axis, (before, after) in zip(self._axes, self._pairs):
            index[axis] = slice(before, -after if after else None)
        self._index = tuple(index)

    def _check_fits(self, shape, what):
        for axis, (before, after) in zip(self._axes, self._pairs):
            if shape[axis] is not None and before + after >= shape[axis]:
                raise ValueError(
                    f"{conv_utils.describe(self)}: values in `cropping` must "
                    "be smaller than the corresponding spatial dimension of "
                    f"the input. Received: {what}={tuple(shape)}, "
                    f"cropping={self.cropping}"
                )

    def call(self, inputs):
        self._check_fits(inputs.shape, "inputs.shape")
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        self._check_fits(input_shape, "input_shape")
        return resized_shape(input_shape, self._axes, self._pairs, -1)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping,
                       "data_format": self.data_format})
        return config


@register()
class Cropping1D(BaseCropping):
    """Cropping layer for 1D input (e.g. a temporal sequence), along axis 1.

    Args:
        cropping: int or tuple of 2 ints: how many steps to trim at the start
            and end of axis 1. An int `n` means `(n, n)`. Defaults to
            `(1, 1)`.

    Input shape:
        3D tensor `(batch, axis_to_crop, features)`.

    Output shape:
        3D tensor `(batch, cropped_axis, features)`.

    Example:
        >>> Cropping1D((1, 0))(torch.ones(2, 3, 4)).shape
        torch.Size([2, 2, 4])
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


@register()
class Cropping2D(BaseCropping):
    """Cropping layer for 2D input (e.g. a picture), along height and width.

    Args:
        cropping: int (same on all four sides), tuple of 2 ints (symmetric
            height and width cropping) or tuple of 2 tuples of 2 ints
            `((top, bottom), (left, right))`. Defaults to `((0, 0), (0, 0))`.
        data_format: `"channels_last"` (`(batch, height, width, channels)`)
            or `"channels_first"` (`(batch, channels, height, width)`);
            defaults to `lamina.config.image_data_format()`.

    Input shape:
        4D tensor `(batch, rows, cols, channels)` (channels_last).

    Output shape:
        `(batch, cropped_rows, cropped_cols, channels)` (channels_last).

    Example:
        >>> Cropping2D(((2, 2), (4, 4)))(torch.ones(2, 28, 28, 3)).shape
        torch.Size([2, 24, 20, 3])
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None,
                 **kwargs):
        super().__init__(cropping, data_format, **kwargs)


@register()
class Cropping3D(BaseCropping):
    """Cropping layer for 3D data (spatial or spatio-temporal).

    Args:
        cropping: int, tuple of 3 ints (symmetric per axis) or tuple of 3
            tuples of 2 ints `((before, after), ...)` for the three spatial
            axes. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`); defaults
            to `lamina.config.image_data_format()`.

    Input shape:
        5D tensor `(batch, d1, d2, d3, channels)` (channels_last).

    Output shape:
        5D tensor with each spatial axis reduced by its cropping.

    Example:
        >>> Cropping3D(((1, 1), (2, 2), (2, 3)))(
        ...     torch.ones(2, 28, 28, 10, 3)).shape
        torch.Size([2, 26, 24, 5, 3])
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None,
                 **kwargs):
        super().__init__(cropping, data_format, **kwargs)
