"""BasePooling: windowed max / average pooling behind (Max|Average)Pooling*D.

"same" padding follows Keras's rule (extra pixel on the right/bottom) and
leaves padding out of both results: torch's implicit padding (which max
ignores and `count_include_pad=False` leaves out of the average) is used
when it is symmetric; otherwise the data is padded explicitly (-inf for max)
and the window sums are divided by the number of real elements.
"""

import torch
import torch.nn.functional as F

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

_MAX_POOL = {2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(Layer):
    """N-D pooling over windows of `pool_size`.

    Args:
        pool_size: int or tuple of `pool_dimensions` ints, the window size.
        strides: int or tuple of ints; None means `pool_size`.
        pool_dimensions: number of spatial dimensions (1, 2 or 3).
        pool_mode: "max" or "average".
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max",
                 padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if pool_mode not in ("max", "average"):
            raise conv_utils.invalid_argument(
                self, "pool_mode", "'max' or 'average'", pool_mode)
        self.pool_size = conv_utils.standardize_tuple(
            self, pool_size, pool_dimensions, "pool_size")
        self.strides = self.pool_size if strides is None else \
            conv_utils.standardize_tuple(self, strides, pool_dimensions,
                                         "strides")
        self.pool_mode = pool_mode
        self.padding = conv_utils.standardize_padding(self, padding)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._rank = pool_dimensions
        self._torch_pool_size = conv_utils.lift(self.pool_size, 1)
        self._torch_strides = conv_utils.lift(self.strides, 1)
        nd = len(self._torch_pool_size)
        self._pool = (_MAX_POOL if pool_mode == "max" else _AVG_POOL)[nd]
        # No weights: built from the start, as in Keras.
        if type(self).build is Layer.build:
            self.built = True

    def call(self, inputs):
        x = conv_utils.to_torch_layout(inputs, self.data_format)
        kernel, strides = self._torch_pool_size, self._torch_strides
        try:
            if self.padding == "valid":
                outputs = self._pool(x, kernel, strides)
            else:
                outputs = self._pool_same(x, kernel, strides)
        except RuntimeError:
            # A clear error naming the layer if the window does not fit.
            self.compute_output_shape(tuple(inputs.shape))
            raise
        return conv_utils.from_torch_layout(outputs, self.data_format,
                                            self._rank)

    def _pool_same(self, x, kernel, strides):
        spatial = tuple(x.shape[2:])
        pads, padding = conv_utils.same_padding_args(
            spatial, kernel, strides, (1,) * len(kernel))
        average = self.pool_mode == "average"
        if pads is None:
            if average:
                return self._pool(x, kernel, strides, padding,
                                  count_include_pad=False)
            return self._pool(x, kernel, strides, padding)
        if not average:
            return self._pool(
                conv_utils.pad_spatial(x, pads, _lowest(x.dtype)),
                kernel, strides)
        sums = self._pool(conv_utils.pad_spatial(x, pads), kernel, strides,
                          count_include_pad=True)
        return sums * _window_scale(spatial, pads, kernel, strides, x)

    def compute_output_shape(self, input_shape):
        spatial = [
            conv_utils.conv_output_size(n, k, s, 1, self.padding)
            for n, k, s in zip(
                conv_utils.spatial_dims(input_shape, self.data_format),
                self.pool_size, self.strides)
        ]
        conv_utils.check_output_sizes(self, input_shape, spatial, {
            "pool_size": self.pool_size, "strides": self.strides,
            "padding": self.padding,
        })
        channels = tuple(input_shape)[conv_utils.channel_axis(
            self.data_format)]
        return conv_utils.with_spatial(input_shape, self.data_format,
                                       spatial, channels)

    def get_config(self):
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config


def _lowest(dtype):
    if dtype.is_floating_point:
        return float("-inf")
    return torch.iinfo(dtype).min


def _window_scale(spatial, pads, kernel, strides, like):
    """`window size / real elements in the window` for each output position,
    shaped to broadcast over torch-layout pooled data."""
    scale = None
    rank = len(spatial)
    for axis, (size, (left, _), k, s) in enumerate(
        zip(spatial, pads, kernel, strides)
    ):
        outputs = -(-size // s)
        start = torch.arange(outputs, device=like.device) * s - left
        count = (start + k).clamp(max=size) - start.clamp(min=0)
        factor = (k / count.to(like.dtype)).reshape(
            (-1,) + (1,) * (rank - axis - 1))
        scale = factor if scale is None else scale * factor
    return scale
