"""RandomZoom: zooms images in or out by a random factor per axis."""

import torch

from lamina.layers.preprocessing._base_image_layer import BaseAffineLayer
from lamina.layers.registry import register
from lamina.utils import bounding_boxes as box_utils


def parse_zoom_factor(owner, factor, name, lowest_open=True):
    """A number or pair as `(lower, upper)`; values must lie in `(-1, 1]`
    (zoom) or `[-1, 1]` (translation, `lowest_open=False`)."""
    low = "(-1, 1]" if lowest_open else "[-1, 1]"
    message = (
        f"Invalid value for argument `{name}` of {owner}. Expected a number "
        f"or a list of two numbers in the range {low}. Received: "
        f"{name}={factor!r}"
    )

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(message)
        if value > 1.0 or value < -1.0 or (lowest_open and value == -1.0):
            raise ValueError(message)

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    check(factor)
    factor = abs(factor)
    return (-factor, factor)


@register()
class RandomZoom(BaseAffineLayer):
    """Randomly zooms each image during training.

    The zoom of each axis is `1 + f` with `f` uniform in the factor's
    range: a positive `f` zooms out, a negative `f` zooms in. Pixels that
    fall outside the input are filled according to `fill_mode`. Outputs are
    cast to the layer's compute dtype.

    Args:
        height_factor: a float `f` (the range `[-f, f]`) or a pair
            `(lower, upper)` in `(-1, 1]`, for the vertical zoom.
        width_factor: same for the horizontal zoom; None (default) zooms
            both axes by the vertical factor, keeping the aspect ratio.
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
        training: zoom only when True (the default, as in Keras).

    Example:
        >>> layer = RandomZoom((-0.2, 0.2), seed=0)
        >>> layer(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 8, 8, 3])
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = parse_zoom_factor(
            "RandomZoom", height_factor, "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = parse_zoom_factor(
                "RandomZoom", width_factor, "width_factor")
        self._set_affine_options(fill_mode, interpolation, fill_value, seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape, device = (images.shape[0], 1), images.device
        height_zoom = self._uniform(shape, 1.0 + self.height_lower,
                                    1.0 + self.height_upper, device)
        if self.width_factor is None:
            width_zoom = height_zoom
        else:
            width_zoom = self._uniform(shape, 1.0 + self.width_lower,
                                       1.0 + self.width_upper, device)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "input_shape": tuple(images.shape)}

    def _transform_matrix(self, images, transformation):
        zx = transformation["width_zoom"].to(torch.float32)
        zy = transformation["height_zoom"].to(torch.float32)
        height, width = self._height_width(images)
        x_offset = (float(width) - 1.0) / 2.0 * (1.0 - zx)
        y_offset = (float(height) - 1.0) / 2.0 * (1.0 - zy)
        zeros = torch.zeros_like(zx)
        return torch.cat([zx, zeros, x_offset, zeros, zy, y_offset, zeros,
                          zeros], dim=1)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        """Boxes are cut to the input window the output shows, then scaled
        from it to the image (boxes left empty get the label -1)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._image_size(transformation)
        boxes = box_utils.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width)
        zx = transformation["width_zoom"].to(boxes["boxes"]).reshape(-1, 1)
        zy = transformation["height_zoom"].to(boxes["boxes"]).reshape(-1, 1)
        # The window of the input the output shows, per image.
        left = (width - 1.0) / 2.0 * (1.0 - zx)
        top = (height - 1.0) / 2.0 * (1.0 - zy)
        right, bottom = left + zx * width, top + zy * height
        x1, y1, x2, y2 = boxes["boxes"].unbind(-1)
        window = [torch.minimum(torch.maximum(x, low), high) - low
                  for x, low, high in ((x1, left, right), (y1, top, bottom),
                                       (x2, left, right), (y2, top, bottom))]
        boxes["boxes"] = torch.stack(window, -1)
        boxes = box_utils.convert_format(boxes, "xyxy", "rel_xyxy",
                                         bottom - top, right - left)
        boxes = box_utils.clip_to_image_size(
            boxes, bounding_box_format="rel_xyxy")
        return box_utils.convert_format(boxes, "rel_xyxy",
                                        self.bounding_box_format, height,
                                        width)

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
