"""RandomFlip: flips images horizontally and/or vertically at random."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.utils.image_transform import check_choice
from lamina.utils.image_transform import spatial_axes
from lamina.layers.registry import register

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@register()
class RandomFlip(BaseImagePreprocessingLayer):
    """Randomly flips each image during training.

    Each image is flipped with probability 1/2. With
    `"horizontal_and_vertical"` one draw decides both flips, so an image is
    either left as is or flipped along both axes (Keras's behaviour).
    Outputs are cast to the layer's compute dtype.

    Args:
        mode: `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"`
            (the default).
        seed: integer seed of the layer's random generator; None uses the
            global torch generator (see `lamina.utils.set_random_seed`).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them (or a
            dict with `"images"`, see the base class).
        training: flip only when True (the default, as in Keras; `fit`
            passes True, `evaluate` and `predict` pass False).

    Example:
        >>> layer = RandomFlip("horizontal", seed=1)
        >>> layer(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """


    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.mode = check_choice(
            "RandomFlip", "mode", mode,
            (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL))
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape = (images.shape[0], 1, 1, 1)
        return self._uniform(shape, 0.0, 1.0, images.device) <= 0.5

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        h_axis, w_axis = spatial_axes(self.data_format)
        outputs = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(transformation, outputs.flip(w_axis),
                                  outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(transformation, outputs.flip(h_axis),
                                  outputs)
        return outputs

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self.transform_images(masks, transformation, training)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
