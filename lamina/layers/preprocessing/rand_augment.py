"""RandAugment: a few augmentations picked at random from a fixed list
(Cubuk et al., 2019)."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing.auto_contrast import AutoContrast
from lamina.layers.preprocessing.equalization import Equalization
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_color_degeneration import (
    RandomColorDegeneration,
)
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_posterization import (
    RandomPosterization,
)
from lamina.layers.preprocessing.random_rotation import RandomRotation
from lamina.layers.preprocessing.random_sharpness import RandomSharpness
from lamina.layers.preprocessing.random_shear import RandomShear
from lamina.layers.preprocessing.random_translation import RandomTranslation
from lamina.layers.preprocessing.solarization import Solarization
from lamina.layers.registry import register


@register()
class RandAugment(BaseImagePreprocessingLayer):
    """Applies `num_ops` augmentations in a row, each picked uniformly
    (per batch, as Keras does) from: shear, translation, rotation,
    brightness, color degeneration, contrast, sharpness, posterization,
    solarization, auto-contrast and equalization, all of strength
    `factor`. Each picked layer draws its own per-image parameters and
    runs batched; the other layers do not run.

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        num_ops: augmentations applied per call. Defaults to 2.
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair: the
            strength of every augmentation.
        interpolation: `"bilinear"` or `"nearest"`, for the geometric ones.
        seed: integer seed of the random generators.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5,
                 interpolation="bilinear", seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or \
                num_ops < 0:
            raise ValueError(
                "Invalid value for argument `num_ops` of RandAugment. "
                f"Expected a non-negative int. Received: num_ops={num_ops!r}")
        self.value_range = value_range
        self.num_ops = num_ops
        self.factor = parse_factor("RandAugment", factor, bounds=(0, 1))
        self.interpolation = interpolation
        self._make_generator(seed)
        geometric = {"interpolation": interpolation, "seed": seed,
                     "data_format": self.data_format}
        color = {"value_range": value_range, "seed": seed,
                 "data_format": self.data_format}
        f = self.factor
        self._augmenters = [
            RandomShear(x_factor=f, y_factor=f, **geometric),
            RandomTranslation(height_factor=f, width_factor=f, **geometric),
            RandomRotation(factor=f, **geometric),
            RandomBrightness(factor=f, **color),
            RandomColorDegeneration(factor=f, **color),
            RandomContrast(factor=f, **color),
            RandomSharpness(factor=f, **color),
            RandomPosterization(factor=max(1, int(8 * f[1])), **color),
            Solarization(addition_factor=f, threshold_factor=f, **color),
            AutoContrast(value_range=value_range,
                         data_format=self.data_format),
            Equalization(value_range=value_range,
                         data_format=self.data_format),
        ]
        self.built = True

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        picks = torch.randint(0, len(self._augmenters), (self.num_ops,),
                              generator=self.generator.generator("cpu"))
        return {"layer_idxes": picks}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        for index in transformation["layer_idxes"].tolist():
            layer = self._augmenters[index]
            drawn = layer.get_random_transformation(images, training=True)
            images = self._to_compute_dtype(
                layer.transform_images(images, drawn, training=True))
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "num_ops": self.num_ops, "factor": self.factor,
                       "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
