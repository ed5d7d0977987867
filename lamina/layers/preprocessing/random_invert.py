"""RandomInvert: inverts each image (`max - x`) with a random
probability."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.registry import register


@register()
class RandomInvert(BaseImagePreprocessingLayer):
    """Inverts images at random: each image draws an inversion probability
    uniformly from `factor` and is replaced by `value_range[1] - image`
    when a second uniform draw falls below it.

    Args:
        factor: a number `f` (stored as `(0, f)`) or a pair, in [0, 1].
            Defaults to 1.0.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomInvert", factor, bounds=(0, 1))
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch = images.shape[0]
        probability = self._uniform((batch,), self.factor[0], self.factor[1],
                                    images.device)
        threshold = self._uniform((batch,), 0.0, 1.0, images.device)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        apply = transformation["apply_inversion"].view(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
