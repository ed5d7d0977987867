"""AutoContrast: stretches each image's channels to the full value range."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register
from lamina.utils.image_transform import spatial_axes


@register()
class AutoContrast(BaseImagePreprocessingLayer):
    """Rescales every channel of every image so that its darkest pixel
    becomes the range's minimum and its brightest the maximum; a constant
    channel is left as it is. Deterministic: applied in training and in
    inference alike.

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:

    >>> AutoContrast()(torch.rand(2, 8, 8, 3) * 100).amax()
    tensor(255.)
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = color_utils.check_value_range(
            "AutoContrast", value_range)

    def transform_images(self, images, transformation=None, training=True):
        # Outputs are in the compute dtype (float32 for uint8 inputs), as
        # in Keras.
        original = self._to_compute_dtype(images)
        images = color_utils.transform_value_range(
            original, self.value_range, (0, 255))
        axes = spatial_axes(self.data_format)
        low = images.amin(dim=axes, keepdim=True)
        high = images.amax(dim=axes, keepdim=True)
        scale = 255.0 / (high - low)
        results = (images * scale - low * scale).clamp(0.0, 255.0)
        results = color_utils.transform_value_range(
            results, (0, 255), self.value_range)
        # A constant channel divides by zero: Keras keeps the input there.
        return torch.where(results.isnan(), original, results)

    def get_config(self):
        config = super().get_config()
        config["value_range"] = self.value_range
        return config
