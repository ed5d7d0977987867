"""Adaptive pooling: average or max pooling to a fixed output size
(`AdaptiveAveragePooling1D/2D/3D`, `AdaptiveMaxPooling1D/2D/3D`).

Output cell `i` of an axis of length `L` pools the inputs
`[floor(i * L / n), ceil((i + 1) * L / n))`, as torch's
`F.adaptive_*_pool*d` and Keras do.
"""

import torch.nn.functional as F

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register

_FUNCTIONS = {
    ("average", 1): F.adaptive_avg_pool1d,
    ("average", 2): F.adaptive_avg_pool2d,
    ("average", 3): F.adaptive_avg_pool3d,
    ("max", 1): F.adaptive_max_pool1d,
    ("max", 2): F.adaptive_max_pool2d,
    ("max", 3): F.adaptive_max_pool3d,
}


class BaseAdaptivePooling(Layer):
    """Pools every spatial axis to `output_size` cells.

    Args:
        output_size: an int (the same size on every spatial axis) or a
            tuple of one int per spatial axis.
        data_format: `"channels_last"` or `"channels_first"`; None means
            `lamina.config.image_data_format()`.
    """

    reduction = None
    rank = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = _standardize_size(
            type(self).__name__, output_size, self.rank)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._pool = _FUNCTIONS[(self.reduction, self.rank)]
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_last":
            # NHWC -> NCHW is a view; torch pools channels-last memory.
            order = (0, self.rank + 1) + tuple(range(1, self.rank + 1))
            outputs = self._pool(inputs.permute(order), self.output_size)
            back = (0,) + tuple(range(2, self.rank + 2)) + (1,)
            return outputs.permute(back)
        return self._pool(inputs, self.output_size)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        return conv_utils.with_spatial(input_shape, self.data_format,
                                       self.output_size, channels)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size,
                       "data_format": self.data_format})
        return config


def _standardize_size(owner, output_size, rank):
    size = (output_size,) * rank if isinstance(output_size, int) \
        else tuple(output_size) if isinstance(output_size, (tuple, list)) \
        else None
    if size is None or len(size) != rank or any(
            isinstance(d, bool) or not isinstance(d, int) or d <= 0
            for d in size):
        raise ValueError(
            f"Invalid value for argument `output_size` of {owner}. Expected "
            f"a positive int or a tuple of {rank} positive ints. "
            f"Received: output_size={output_size!r}")
    return size


@register()
class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Average pooling of `(batch, steps, channels)` to `output_size`
    steps."""
    reduction, rank = "average", 1


@register()
class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Average pooling of images to an `output_size` grid."""
    reduction, rank = "average", 2


@register()
class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Average pooling of volumes to an `output_size` grid."""
    reduction, rank = "average", 3


@register()
class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of `(batch, steps, channels)` to `output_size` steps."""
    reduction, rank = "max", 1


@register()
class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of images to an `output_size` grid."""
    reduction, rank = "max", 2


@register()
class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of volumes to an `output_size` grid."""
    reduction, rank = "max", 3
