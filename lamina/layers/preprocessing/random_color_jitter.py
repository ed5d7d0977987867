"""RandomColorJitter: random brightness, contrast, saturation and hue in
one layer."""

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing.random_brightness import RandomBrightness
from lamina.layers.preprocessing.random_contrast import RandomContrast
from lamina.layers.preprocessing.random_hue import RandomHue
from lamina.layers.preprocessing.random_saturation import RandomSaturation
from lamina.layers.registry import register


@register()
class RandomColorJitter(BaseImagePreprocessingLayer):
    """Applies, in this order and each when its factor is given,
    `RandomBrightness`, `RandomContrast`, `RandomSaturation` and
    `RandomHue` (each drawing per image, as those layers do).

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        brightness_factor, contrast_factor, saturation_factor, hue_factor:
            the factors of the four layers (None skips one).
        seed: integer seed of the layers' random generators.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, value_range=(0, 255), brightness_factor=None,
                 contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._make_generator(seed)
        common = {"value_range": value_range, "seed": seed,
                  "data_format": self.data_format}
        self._stages = []
        for layer_cls, factor in (
                (RandomBrightness, brightness_factor),
                (RandomContrast, contrast_factor),
                (RandomSaturation, saturation_factor),
                (RandomHue, hue_factor)):
            if factor is not None:
                self._stages.append(layer_cls(factor, **common))
        self.built = True

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._to_compute_dtype(images)
        for stage in self._stages:
            drawn = stage.get_random_transformation(images, training=True)
            images = stage.transform_images(images, drawn, training=True)
        return self._to_compute_dtype(images)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor,
                       "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor, "seed": self.seed})
        return config
