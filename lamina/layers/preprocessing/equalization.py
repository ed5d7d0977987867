"""Equalization: histogram equalization of each color channel."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register


@register()
class Equalization(BaseImagePreprocessingLayer):
    """Spreads each channel's intensities over the full range through its
    cumulative histogram, as Keras does: one histogram of `bins` bins per
    channel, computed over the whole batch, mapped through
    `round(255 * (cdf - cdf_min) / (cdf_max - cdf_min))`; a channel with a
    single occupied bin is left as it is. Deterministic.

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        bins: histogram bins. Defaults to 256.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, value_range=(0, 255), bins=256, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
            raise ValueError(
                "Invalid value for argument `bins` of Equalization. "
                f"Expected an int >= 2. Received: bins={bins!r}")
        self.bins = bins
        self.value_range = color_utils.check_value_range(
            "Equalization", value_range)

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._to_compute_dtype(images)
        axis = -1 if self.data_format == "channels_last" else 1
        channels = images.movedim(axis, 0).reshape(images.shape[axis], -1)
        scaled = color_utils.transform_value_range(
            channels.float(), self.value_range, (0, 255))
        bins = self.bins
        indices = (scaled * (bins - 1) / 255).to(torch.int64).clamp(
            0, bins - 1)
        offsets = torch.arange(len(indices), device=images.device)[:, None]
        hist = torch.bincount((indices + offsets * bins).flatten(),
                              minlength=len(indices) * bins) \
            .view(len(indices), bins)
        cdf = hist.cumsum(1)
        first = (cdf > 0).to(torch.int64).argmax(1, keepdim=True)
        cdf_min = cdf.gather(1, first)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0,
                                  torch.ones_like(denominator), denominator)
        table = ((cdf - cdf_min) * 255 / denominator).round().clamp(0, 255)
        lookup = (scaled / 255.0 * (bins - 1)).clamp(0, bins - 1) \
            .to(torch.int64)
        equalized = table.gather(1, lookup)
        single = (hist > 0).sum(1, keepdim=True) <= 1
        equalized = torch.where(single, scaled, equalized)
        equalized = color_utils.transform_value_range(
            equalized, (0, 255), self.value_range).to(images.dtype)
        moved = list(images.movedim(axis, 0).shape)
        return equalized.view(moved).movedim(0, axis)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
