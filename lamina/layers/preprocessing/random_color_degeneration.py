"""RandomColorDegeneration: blends each image with its grayscale version
by a random factor."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Moves each image towards its grayscale version:
    `x + f * (gray(x) - x)`, with `f` uniform in `factor` per image, then
    clips to `value_range`.

    Args:
        factor: a number `f` (stored as `(-f, f)`, within [-1, 1]) or a
            pair; 1 is fully gray, 0 unchanged.
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
        self.factor = parse_factor("RandomColorDegeneration", factor)
        self.value_range = color_utils.check_value_range(
            "RandomColorDegeneration", value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        return {"factor": self._uniform((images.shape[0], 1, 1, 1),
                                        self.factor[0], self.factor[1],
                                        images.device)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        factor = transformation["factor"].to(images.dtype)
        axis = -1 if self.data_format == "channels_last" else 1
        gray = color_utils.grayscale(images, axis)
        images = images + factor * (gray - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
