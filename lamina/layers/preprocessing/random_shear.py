"""RandomShear: shears images along x and y by random amounts."""

import torch

from lamina.layers.preprocessing._base_image_layer import BaseAffineLayer
from lamina.layers.registry import register


def _shear_factor(factor, name):
    message = (
        f"Invalid value for argument `{name}` of RandomShear. Expected a "
        "number in [0, 1] or a list of two numbers in [-1, 1]. "
        f"Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        # Pairs may be negative (Keras refuses them, so that its own
        # configs, which store `(-f, f)`, would not load back).
        if len(factor) != 2 or not all(-1 <= f <= 1 for f in factor):
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool) \
            and 0 <= factor <= 1:
        return (-abs(factor), abs(factor))
    raise ValueError(message)


@register()
class RandomShear(BaseAffineLayer):
    """Shears each image by the transform `[[1, s_x, 0], [s_y, 1, 0]]`
    (output to input coordinates), `s_x` and `s_y` uniform in `x_factor`
    and `y_factor`, both negated for a random half of the images, as
    Keras does.

    Args:
        x_factor: a number `f` in [0, 1] (the range `[-f, f]`) or a pair
            in [-1, 1].
        y_factor: likewise, along y.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        fill_mode: `"reflect"` (default), `"wrap"`, `"constant"` or
            `"nearest"`.
        fill_value: the value outside the image with `"constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...).

    Boxes follow Keras's construction: each side moves by the shear of the
    corner that leads it (x first, then y from the sheared x), in relative
    coordinates. Keras's slopes assume a square image; Lamina scales them
    by the aspect ratio, which is the same on square images and keeps the
    boxes on their pixels otherwise.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None,
                 seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = _shear_factor(x_factor, "x_factor")
        self.y_factor = _shear_factor(y_factor, "y_factor")
        self._set_affine_options(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch, device = images.shape[0], images.device
        flip = self._uniform((batch, 1), 0.0, 1.0, device)
        sign = torch.where(flip > 0.5, -1.0, 1.0)
        shear_y = self._uniform((batch, 1), *self.y_factor, device)
        shear_x = self._uniform((batch, 1), *self.x_factor, device)
        return {"shear_factor": torch.cat([shear_x, shear_y], 1) * sign,
                "input_shape": tuple(images.shape)}

    def _transform_matrix(self, images, transformation):
        shear = transformation["shear_factor"]
        ones = torch.ones_like(shear[:, 0])
        zeros = torch.zeros_like(ones)
        return torch.stack([ones, shear[:, 0], zeros, shear[:, 1], ones,
                            zeros, zeros, zeros], dim=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._image_size(transformation)

        def shear_corners(values):
            shear = transformation["shear_factor"].to(values)
            # Slopes in relative coordinates (output x = input x - s_x * y).
            sx = shear[:, :1] * (height / width)
            sy = shear[:, 1:] * (width / height)
            x1, y1, x2, y2 = values.unbind(-1)
            x1 = torch.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
            x2 = torch.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
            y1 = torch.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
            y2 = torch.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
            return torch.stack([x1, y1, x2, y2], -1)

        return self._moved_boxes(
            bounding_boxes, transformation, shear_corners, frame="rel_xyxy",
            dtype=self.dtype_policy.torch_compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "x_factor": self.x_factor,
            "y_factor": self.y_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
        })
        return config
