"""GlobalAveragePooling3D: average over all spatial positions."""

from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling
from lamina.layers.registry import register


@register("GlobalAvgPool3D")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling: the mean over all 3D positions.

    Args:
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1.

    Example:
        >>> x = np.random.rand(2, 4, 4, 4, 3).astype("float32")
        >>> GlobalAveragePooling3D()(x).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(
            pool_dimensions=3, data_format=data_format, keepdims=keepdims,
            **kwargs,
        )

    def call(self, inputs):
        return inputs.mean(dim=self._spatial_axes, keepdim=self.keepdims)


GlobalAvgPool3D = GlobalAveragePooling3D
