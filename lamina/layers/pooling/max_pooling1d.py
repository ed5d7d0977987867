"""MaxPooling1D: max pooling over 1D windows."""

from lamina.layers.pooling.base_pooling import BasePooling
from lamina.layers.registry import register


@register("MaxPool1D")
class MaxPooling1D(BasePooling):
    """Max pooling over 1D windows: the largest value of each window.

    Args:
        pool_size: int or tuple of 1 ints, the window size.
        strides: int or tuple of 1 ints; None means `pool_size`.
        padding: "valid" or "same" (Keras's rule: the extra padding goes
            right/bottom; padding never wins the max).
        data_format: "channels_last" (`(batch, steps, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.

    Example:
        >>> x = np.random.rand(2, 8, 3).astype("float32")
        >>> MaxPooling1D()(x).shape
        torch.Size([2, 4, 3])
    """

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(
            pool_size, strides, pool_dimensions=1, pool_mode="max",
            padding=padding, data_format=data_format, name=name, **kwargs,
        )


MaxPool1D = MaxPooling1D
