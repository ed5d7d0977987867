"""AveragePooling3D: average pooling over 3D windows."""

from lamina.layers.pooling.base_pooling import BasePooling
from lamina.layers.registry import register


@register("AvgPool3D")
class AveragePooling3D(BasePooling):
    """Average pooling over 3D windows: the mean of each window.

    Args:
        pool_size: int or tuple of 3 ints, the window size.
        strides: int or tuple of 3 ints; None means `pool_size`.
        padding: "valid" or "same" (Keras's rule: the extra padding goes
            right/bottom; padding is left out of the average).
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.

    Example:
        >>> x = np.random.rand(2, 4, 4, 4, 3).astype("float32")
        >>> AveragePooling3D()(x).shape
        torch.Size([2, 2, 2, 2, 3])
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(
            pool_size, strides, pool_dimensions=3, pool_mode="average",
            padding=padding, data_format=data_format, name=name, **kwargs,
        )


AvgPool3D = AveragePooling3D
