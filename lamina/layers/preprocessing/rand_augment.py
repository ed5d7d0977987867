"""RandAugment: a few augmentations picked at random from a fixed list
(Cubuk et al., 2019)."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import augmentation_ops
from lamina.layers.registry import register

# Keras's order: the picked indices refer to it.
_OPS = ("random_shear", "random_translation", "random_rotation",
        "random_brightness", "random_color_degeneration", "random_contrast",
        "random_sharpness", "random_posterization", "solarization",
        "auto_contrast", "equalization")


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
        self._augmenters = augmentation_ops.build_augmentations(
            _OPS, self.factor, value_range, interpolation, seed,
            self.data_format, self.bounding_box_format)
        self.built = True

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        picks = torch.randint(0, len(self._augmenters), (self.num_ops,),
                              generator=self.generator.generator("cpu"))
        # Each pick's own draw, shared by the images and the boxes.
        transforms = [self._augmenters[index].get_random_transformation(
            images, training=True) for index in picks.tolist()]
        return {"layer_idxes": picks, "transforms": transforms}

    def _steps(self, images, transformation):
        """`(layer, drawn transformation)` per pick, in order; picks given
        without draws draw now."""
        picks = transformation["layer_idxes"].tolist()
        transforms = transformation.get("transforms")
        for step, index in enumerate(picks):
            layer = self._augmenters[index]
            drawn = transforms[step] if transforms is not None else \
                layer.get_random_transformation(images, training=True)
            yield layer, drawn

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        for layer, drawn in self._steps(images, transformation):
            images = self._to_compute_dtype(
                layer.transform_images(images, drawn, training=True))
        return images

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        """Masks go through the picked layers with the images' draws (the
        colour layers leave them as they are)."""
        return self._through_picks("transform_segmentation_masks", masks,
                                   transformation, training,
                                   "segmentation masks")

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        """Boxes go through the picked layers in the order the images do,
        with the same draws. (Keras 3.15 applies each picked layer once,
        in its list order, whatever the order and number of picks.)"""
        return self._through_picks("transform_bounding_boxes",
                                   bounding_boxes, transformation, training,
                                   "bounding boxes")

    def _through_picks(self, method, values, transformation, training,
                       what):
        """`values` through each pick's `method`, with the pick's draw."""
        if not training or transformation is None:
            return values
        if transformation.get("transforms") is None:
            raise ValueError(
                "RandAugment needs the drawn transformation of each pick "
                "(`get_random_transformation`'s 'transforms') to move "
                f"{what} with the images.")
        for layer, drawn in self._steps(None, transformation):
            values = getattr(layer, method)(values, drawn, training=True)
        return values

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "num_ops": self.num_ops, "factor": self.factor,
                       "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
