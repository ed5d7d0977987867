"""RandomTranslation: shifts images by a random fraction of their size."""

import torch

from lamina.layers.preprocessing._base_image_layer import BaseAffineLayer
from lamina.layers.preprocessing.random_zoom import parse_zoom_factor
from lamina.layers.registry import register


@register()
class RandomTranslation(BaseAffineLayer):
    """Randomly translates each image during training.

    The shift along each axis is a uniform fraction of the image's size in
    the factor's range; positive values move the content down and right.
    Uncovered pixels are filled according to `fill_mode`. Outputs are cast
    to the layer's compute dtype.

    Args:
        height_factor: a float `f` (the range `[-f, f]`) or a pair
            `(lower, upper)` in `[-1, 1]`: the vertical shift as a fraction
            of the height.
        width_factor: same for the horizontal shift.
        fill_mode: `"reflect"` (default), `"wrap"`, `"constant"` or
            `"nearest"`.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        seed: integer seed of the layer's random generator.
        fill_value: the value outside the image when `fill_mode="constant"`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them.
        training: translate only when True (the default, as in Keras).

    Example:
        >>> layer = RandomTranslation(0.1, 0.1, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = parse_zoom_factor(
            "RandomTranslation", height_factor, "height_factor",
            lowest_open=False)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = parse_zoom_factor(
            "RandomTranslation", width_factor, "width_factor",
            lowest_open=False)
        self._set_affine_options(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape, device = (images.shape[0], 1), images.device
        height, width = self._height_width(images)
        dy = self._uniform(shape, self.height_lower, self.height_upper,
                           device) * height
        dx = self._uniform(shape, self.width_lower, self.width_upper,
                           device) * width
        return {"translations": torch.cat([dx, dy], dim=1),
                "input_shape": tuple(images.shape)}

    def _transform_matrix(self, images, transformation):
        translations = transformation["translations"].to(torch.float32)
        ones = torch.ones_like(translations[:, :1])
        zeros = torch.zeros_like(ones)
        return torch.cat([ones, zeros, -translations[:, 0:1], zeros, ones,
                          -translations[:, 1:], zeros, zeros], dim=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        """Boxes shift with the pixels and are clipped to the image (boxes
        left empty get the label -1)."""
        if not training or transformation is None:
            return bounding_boxes
        shift = transformation["translations"].repeat(1, 2)[:, None, :]
        return self._moved_boxes(bounding_boxes, transformation,
                                 lambda values: values + shift.to(values))

    def get_config(self):
        config = super().get_config()
        config.update({
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        })
        return config
