"""Solarization: adds a random brightness, then inverts the pixels above a
random threshold."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class Solarization(BaseImagePreprocessingLayer):
    """Per image, in the `[0, 255]` scale: adds `addition` (uniform in
    `[addition_factor[0], addition_factor[1] * 255]`), clips, then maps
    every pixel at or above `threshold` (uniform in
    `[threshold_factor[0], threshold_factor[1] * 255]`) to `255 - pixel`.

    Args:
        addition_factor: a number `f` in [0, 1] (stored as `(0, f)`) or a
            pair. Defaults to 0.
        threshold_factor: likewise, for the threshold. Defaults to 0
            (every pixel is inverted).
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: integer seed of the layer's random generator.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, addition_factor=0.0, threshold_factor=0.0,
                 value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.addition_factor = color_utils.unit_factor(
            "Solarization", addition_factor, "addition_factor")
        self.threshold_factor = color_utils.unit_factor(
            "Solarization", threshold_factor, "threshold_factor")
        self.value_range = color_utils.check_value_range(
            "Solarization", value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape = (images.shape[0], 1, 1, 1)
        additions = self._uniform(shape, self.addition_factor[0],
                                  self.addition_factor[1] * 255,
                                  images.device)
        thresholds = self._uniform(shape, self.threshold_factor[0],
                                   self.threshold_factor[1] * 255,
                                   images.device)
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        images = color_utils.transform_value_range(
            images, self.value_range, (0, 255))
        results = (images + transformation["additions"].to(images.dtype)) \
            .clamp(0, 255)
        results = torch.where(
            results < transformation["thresholds"].to(images.dtype),
            results, 255 - results)
        return color_utils.transform_value_range(
            results, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor,
                       "seed": self.seed})
        return config
