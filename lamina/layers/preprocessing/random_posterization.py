"""RandomPosterization: keeps only the top bits of each pixel value."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register

_MAX_BITS = 8


@register()
class RandomPosterization(BaseImagePreprocessingLayer):
    """Reduces each image to `bits` bits per channel (in the `[0, 255]`
    scale, as `uint8`), `bits` drawn per image as an integer in
    `[factor[0], factor[1])` (or exactly `factor[0]` when both are equal).

    Args:
        factor: a number `f` in [1, 8] (stored as `(1, f)`) or a pair.
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
        self.factor = parse_factor("RandomPosterization", factor,
                                   bounds=(1, _MAX_BITS))
        self.value_range = color_utils.check_value_range(
            "RandomPosterization", value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch = images.shape[0]
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = self._randint(low, high, (batch,), images.device)
        else:
            bits = torch.full((batch,), low, device=images.device)
        return {"shift_factor": (_MAX_BITS - bits).to(torch.uint8)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        shift = transformation["shift_factor"].view(-1, 1, 1, 1)
        pixels = color_utils.transform_value_range(
            images, self.value_range, (0, 255)).to(torch.uint8)
        pixels = (pixels >> shift) << shift
        return color_utils.transform_value_range(
            pixels.to(images.dtype), (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
