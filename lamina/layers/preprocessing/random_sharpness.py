"""RandomSharpness: sharpens or blurs each image by a random amount."""

import torch
import torch.nn.functional as F

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register

# Keras's smoothing kernel: 5/13 at the centre, 1/13 around it.
_SMOOTH = ((1 / 13, 1 / 13, 1 / 13), (1 / 13, 5 / 13, 1 / 13),
           (1 / 13, 1 / 13, 1 / 13))


@register()
class RandomSharpness(BaseImagePreprocessingLayer):
    """Blends each image with a smoothed copy:
    `x + (1 - 2f) * (smooth(x) - x)` with `f` uniform in `factor` per
    image (`f > 0.5` sharpens, `f < 0.5` blurs), then clips to
    `value_range`. The smoothing is a 3x3 depthwise convolution with zero
    padding, as in Keras.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor, value_range=(0, 255), data_format=None,
                 seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomSharpness", factor, bounds=(0, 1))
        self.value_range = color_utils.check_value_range(
            "RandomSharpness", value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        return {"factor": self._uniform((images.shape[0],), self.factor[0],
                                        self.factor[1], images.device)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        channels_last = self.data_format == "channels_last"
        nchw = images.permute(0, 3, 1, 2) if channels_last else images
        channels = nchw.shape[1]
        kernel = torch.tensor(_SMOOTH, dtype=images.dtype,
                              device=images.device)
        kernel = kernel.expand(channels, 1, 3, 3)
        smoothed = F.conv2d(nchw, kernel, padding=1, groups=channels)
        if channels_last:
            smoothed = smoothed.permute(0, 2, 3, 1)
        sharpness = (transformation["factor"] * 2).to(images.dtype)
        sharpness = sharpness.view(-1, 1, 1, 1)
        images = images + (1.0 - sharpness) * (smoothed - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
