"""The augmentation layers RandAugment and AugMix draw from, built at one
strength, by Keras's names."""

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


def build_augmentations(names, factor, value_range, interpolation, seed,
                        data_format, bounding_box_format=None):
    """The layers called `names` (Keras's attribute names, e.g.
    "random_shear"), each at strength `factor` (a `(low, high)` pair),
    taking boxes in `bounding_box_format`."""
    geometric = {"interpolation": interpolation, "seed": seed,
                 "data_format": data_format,
                 "bounding_box_format": bounding_box_format}
    color = {"value_range": value_range, "seed": seed,
             "data_format": data_format,
             "bounding_box_format": bounding_box_format}
    makers = {
        "random_shear": lambda: RandomShear(
            x_factor=factor, y_factor=factor, **geometric),
        "random_translation": lambda: RandomTranslation(
            height_factor=factor, width_factor=factor, **geometric),
        "random_rotation": lambda: RandomRotation(factor=factor,
                                                  **geometric),
        "random_brightness": lambda: RandomBrightness(factor=factor, **color),
        "random_color_degeneration": lambda: RandomColorDegeneration(
            factor=factor, **color),
        "random_contrast": lambda: RandomContrast(factor=factor, **color),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **color),
        "random_posterization": lambda: RandomPosterization(
            factor=max(1, int(8 * factor[1])), **color),
        "solarization": lambda: Solarization(
            addition_factor=factor, threshold_factor=factor, **color),
        "auto_contrast": lambda: AutoContrast(
            value_range=value_range, data_format=data_format,
            bounding_box_format=bounding_box_format),
        "equalization": lambda: Equalization(
            value_range=value_range, data_format=data_format,
            bounding_box_format=bounding_box_format),
    }
    return [makers[name]() for name in names]
