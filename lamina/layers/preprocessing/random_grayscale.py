"""RandomGrayscale: turns each image to grayscale with a probability."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class RandomGrayscale(BaseImagePreprocessingLayer):
    """Replaces each RGB image, with probability `factor`, by its luma
    (`0.2989 R + 0.5870 G + 0.1140 B`) repeated on the three channels.

    Args:
        factor: the probability of converting an image, in [0, 1].
            Defaults to 0.5.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.

    Call arguments:
        data: an RGB image or a batch of them.
        training: convert only when True (the default, as in Keras).
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                or not 0 <= factor <= 1:
            raise ValueError(
                "`factor` should be between 0 and 1. "
                f"Received: factor={factor!r}")
        self.factor = factor
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        draws = self._uniform((images.shape[0], 1, 1, 1), 0.0, 1.0,
                              images.device)
        return draws < self.factor

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        axis = -1 if self.data_format == "channels_last" else 1
        if images.shape[axis] != 3:
            raise ValueError(
                f"RandomGrayscale expects RGB images with 3 channels. "
                f"Received: images.shape={tuple(images.shape)}")
        # Integer images truncate back to their dtype, as Keras's cast does.
        gray = color_utils.grayscale(images.to(torch.float32), axis) \
            .to(images.dtype)
        return torch.where(transformation, gray, images)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
