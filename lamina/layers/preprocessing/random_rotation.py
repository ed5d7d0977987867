"""RandomRotation: rotates images by a random angle about their centre."""

import torch

from lamina.layers.preprocessing._base_image_layer import BaseAffineLayer
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.utils import bounding_boxes as box_utils
from lamina.utils.image_transform import affine_matrix
from lamina.layers.registry import register


@register()
class RandomRotation(BaseAffineLayer):
    """Randomly rotates each image during training.

    The angle, drawn per image, is uniform in
    `[factor[0] * 2π, factor[1] * 2π]` radians (factors are fractions of a
    full turn). Pixels that fall outside the input are filled according to
    `fill_mode`. Outputs are cast to the layer's compute dtype.

    Args:
        factor: a float `f` (the range `[-f, f]`) or a pair `(lower,
            upper)`, as fractions of 2π, in `[-1, 1]`.
        fill_mode: `"reflect"` (default), `"wrap"`, `"constant"` or
            `"nearest"`: how points outside the input are filled.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        seed: integer seed of the layer's random generator.
        fill_value: the value outside the image when `fill_mode="constant"`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them.
        training: rotate only when True (the default, as in Keras).

    Example:
        >>> layer = RandomRotation(0.1, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomRotation", factor)
        self._set_affine_options(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        lower, upper = self.factor
        angle = self._uniform((images.shape[0],), lower * 360.0,
                              upper * 360.0, images.device)
        return {"angle": angle, "input_shape": tuple(images.shape)}

    def _transform_matrix(self, images, transformation):
        angle = transformation["angle"]
        height, width = self._height_width(images)
        zeros = torch.zeros_like(angle)
        return affine_matrix(angle, zeros, zeros, torch.ones_like(angle),
                             height, width)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        """Each box becomes the upright box around its rotated corners,
        clipped to the image (boxes left empty get the label -1)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._image_size(transformation)
        angle = transformation["angle"]
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        return self._moved_boxes(
            bounding_boxes, transformation,
            lambda values: box_utils.affine_transform(
                values, angle, zeros, zeros, ones, zeros, zeros, height,
                width))

    def get_config(self):
        config = super().get_config()
        config.update({
            "factor": self.factor,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        })
        return config
