"""GlobalMaxPooling3D: max over all spatial positions."""

from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling
from lamina.layers.registry import register


@register("GlobalMaxPool3D")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """Global max pooling: the largest value over all 3D positions.

    Args:
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1.

    Example:
        >>> x = np.random.rand(2, 4, 4, 4, 3).astype("float32")
        >>> GlobalMaxPooling3D()(x).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(
            pool_dimensions=3, data_format=data_format, keepdims=keepdims,
            **kwargs,
        )

    def call(self, inputs):
        return inputs.amax(dim=self._spatial_axes, keepdim=self.keepdims)


GlobalMaxPool3D = GlobalMaxPooling3D
