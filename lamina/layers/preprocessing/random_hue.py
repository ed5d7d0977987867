"""RandomHue: rotates each image's hue by a random amount."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class RandomHue(BaseImagePreprocessingLayer):
    """Shifts the hue of each image by `± f / 2` of the color wheel, `f`
    uniform in `factor` and the sign a coin flip, as Keras does (in HSV,
    with the images scaled to [0, 1]).

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair.
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
        self.factor = parse_factor("RandomHue", factor, bounds=(0, 1))
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch, device = images.shape[0], images.device
        flip = self._uniform((batch,), 0.0, 1.0, device)
        sign = torch.where(flip > 0.5, -1.0, 1.0)
        factor = self._uniform((batch,), self.factor[0], self.factor[1],
                               device)
        return {"factor": sign * factor * 0.5}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = color_utils.transform_value_range(
            self._to_compute_dtype(images), self.value_range, (0, 1))
        axis = -1 if self.data_format == "channels_last" else 1
        hsv = color_utils.rgb_to_hsv(images, axis)
        hue, saturation, value = hsv.unbind(axis)
        hue = hue + transformation["factor"].to(hue.dtype).view(-1, 1, 1)
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        rgb = color_utils.hsv_to_rgb(
            torch.stack((hue, saturation, value), dim=axis), axis)
        return color_utils.transform_value_range(
            rgb.clamp(0, 1), (0, 1), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
