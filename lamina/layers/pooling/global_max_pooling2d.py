"""GlobalMaxPooling2D: max over all spatial positions."""

from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling
from lamina.layers.registry import register


@register("GlobalMaxPool2D")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """Global max pooling: the largest value over all 2D positions.

    Args:
        data_format: "channels_last" (`(batch, height, width, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1.

    Example:
        >>> x = np.random.rand(2, 8, 8, 3).astype("float32")
        >>> GlobalMaxPooling2D()(x).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(
            pool_dimensions=2, data_format=data_format, keepdims=keepdims,
            **kwargs,
        )

    def call(self, inputs):
        return inputs.amax(dim=self._spatial_axes, keepdim=self.keepdims)


GlobalMaxPool2D = GlobalMaxPooling2D
