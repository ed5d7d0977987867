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
        scaled = color_utils.transform_value_range(
            images.float(), self.value_range, (0, 255))
        bins = self.bins
        # Each pixel's channel as a broadcastable index (no copy moves the
        # channels): every channel's histogram and lookup table are rows of
        # one (channels, bins) table, addressed by `channel * bins + bin`.
        if self.data_format == "channels_last":
            num_channels = images.shape[-1]
            row_shape = (num_channels,)
        else:
            num_channels = images.shape[-3]
            row_shape = (num_channels, 1, 1)
        row = torch.arange(num_channels, device=images.device)
        row = (row * bins).view(row_shape)
        # Keras bins `x * (bins - 1) / 255` for the histogram but looks up
        # `x / 255 * (bins - 1)`: both kept, as they may round apart. The
        # bins are int32 (bincount runs ~3x faster on them than on int64).
        in_bin = (scaled * (bins - 1)).div_(255).to(torch.int32)
        in_bin = in_bin.clamp_(0, bins - 1).add_(row.to(torch.int32))
        hist = torch.bincount(in_bin.flatten(),
                              minlength=num_channels * bins) \
            .view(num_channels, bins)
        del in_bin
        cdf = hist.cumsum(1)
        first = (cdf > 0).to(torch.int64).argmax(1, keepdim=True)
        cdf_min = cdf.gather(1, first)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0,
                                  torch.ones_like(denominator), denominator)
        table = ((cdf - cdf_min) * 255 / denominator).round().clamp(0, 255)
        lookup = (scaled / 255.0).mul_(bins - 1).clamp_(0, bins - 1) \
            .to(torch.int64).add_(row)
        equalized = torch.take(table.to(scaled.dtype), lookup)
        # A channel with a single occupied bin is left as it is.
        single = (hist > 0).sum(1) <= 1
        if single.any():
            equalized = torch.where(single.view(row_shape), scaled, equalized)
        return color_utils.transform_value_range(
            equalized, (0, 255), self.value_range).to(images.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
