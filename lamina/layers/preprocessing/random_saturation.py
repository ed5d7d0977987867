"""RandomSaturation: scales each image's color saturation at random."""

import torch

from lamina import config
from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class RandomSaturation(BaseImagePreprocessingLayer):
    """Multiplies the HSV saturation of each image by `f / (1 - f)`, `f`
    uniform in `factor` (0.5 keeps the image, 1 saturates fully, 0 makes
    it gray), as Keras does.

    Args:
        factor: a number `f` (stored as `(-f, f)`, within [-1, 1]) or a
            pair.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor, value_range=(0, 255), data_format=None,
                 seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomSaturation", factor)
        self.value_range = color_utils.check_value_range(
            "RandomSaturation", value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        factor = self._uniform((images.shape[0],), self.factor[0],
                               self.factor[1], images.device)
        return {"factor": factor / (1 - factor + config.epsilon())}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        axis = -1 if self.data_format == "channels_last" else 1
        hue, saturation, value = color_utils.rgb_to_hsv(
            images, axis).unbind(axis)
        factor = transformation["factor"].to(images.dtype).view(-1, 1, 1)
        saturation = (saturation * factor).clamp(self.value_range[0],
                                                  self.value_range[1])
        return color_utils.hsv_to_rgb(
            torch.stack((hue, saturation, value), dim=axis), axis)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"factor": self.factor,
                        "value_range": self.value_range, "seed": self.seed})
        return config_
