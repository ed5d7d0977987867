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
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them, or a
            dict with `"images"` and optional `"bounding_boxes"`,
            `"segmentation_masks"` and `"labels"`, flipped together (see
            the base class).
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
        flips = self._uniform(shape, 0.0, 1.0, images.device) <= 0.5
        return {"flips": flips, "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        h_axis, w_axis = spatial_axes(self.data_format)
        flips = transformation["flips"]
        outputs = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, outputs.flip(w_axis), outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, outputs.flip(h_axis), outputs)
        return outputs

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        if not training or transformation is None:
            return bounding_boxes
        flips = transformation["flips"].reshape(-1, 1, 1)

        def flip(values):
            # Flips act on relative corners: x -> 1 - x swaps left and
            # right.
            x1, y1, x2, y2 = values.unbind(-1)
            if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
                values = torch.where(
                    flips, torch.stack([1 - x2, y1, 1 - x1, y2], -1), values)
                x1, y1, x2, y2 = values.unbind(-1)
            if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
                values = torch.where(
                    flips, torch.stack([x1, 1 - y2, x2, 1 - y1], -1), values)
            return values

        # Keras clips the relative boxes with the pixel bounds, which only
        # marks the boxes left empty (label -1).
        return self._moved_boxes(bounding_boxes, transformation, flip,
                                 frame="rel_xyxy", clip_in_pixels=True)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self.transform_images(masks, transformation, training)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
