"""GlobalAveragePooling1D: average over all spatial positions."""

from lamina.layers.pooling.base_global_pooling import BaseGlobalPooling
from lamina.layers.registry import register


@register("GlobalAvgPool1D")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling over time steps, optionally masked.

    Args:
        data_format: "channels_last" (`(batch, steps, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1.

    Call arguments:
        inputs: a 3D tensor.
        mask: optional boolean tensor `(batch, steps)`; masked steps are left
            out of the average. The output carries no mask.

    Example:
        >>> x = np.random.rand(2, 8, 3).astype("float32")
        >>> GlobalAveragePooling1D()(x).shape
        torch.Size([2, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(
            pool_dimensions=1, data_format=data_format, keepdims=keepdims,
            **kwargs,
        )
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs.mean(dim=self._spatial_axes, keepdim=self.keepdims)
        steps = self._spatial_axes[0]
        mask = mask.to(bool).unsqueeze(3 - steps)
        total = inputs.masked_fill(~mask, 0).sum(dim=steps,
                                                 keepdim=self.keepdims)
        return total / mask.to(inputs.dtype).sum(dim=steps,
                                                 keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


GlobalAvgPool1D = GlobalAveragePooling1D
