"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): histogram
equalization per tile, with clipped histograms, blended between tiles."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register

_BINS = 256


def _check_tile_grid_size(tile_grid_size):
    message = (
        "Invalid value for argument `tile_grid_size` of "
        "ContrastLimitedAdaptiveHistogramEqualization. Expected a pair of "
        f"positive ints. Received: tile_grid_size={tile_grid_size!r}")
    if not isinstance(tile_grid_size, (tuple, list)) or \
            len(tile_grid_size) != 2 or any(
                isinstance(t, bool) or not isinstance(t, int) or t < 1
                for t in tile_grid_size):
        raise ValueError(message)
    return tile_grid_size


def _edge_pad_index(size, padded_size, device):
    """Row indices padding `size` rows to `padded_size` by repeating the
    last one: Keras asks for a "symmetric" pad, which its torch backend
    computes as this edge pad (NumPy's and JAX's mirror instead)."""
    return torch.arange(padded_size, device=device).clamp(max=size - 1)


def _tile_mappings(tiles, clip_limit, tile_pixels):
    """The equalizing lookup tables `(..., 256)` of integer-valued pixel
    histograms: `tiles` holds one bin index per pixel, `(groups, pixels)`."""
    groups = tiles.shape[0]
    offsets = torch.arange(groups, device=tiles.device)[:, None] * _BINS
    hist = torch.bincount((tiles + offsets).flatten(),
                          minlength=groups * _BINS)
    hist = hist.view(groups, _BINS).to(torch.float32)
    if clip_limit > 0:
        # Keras on torch counts in integers, so the limit truncates.
        limit = float(int(clip_limit * tile_pixels / float(_BINS)))
        clipped = hist.clamp(max=limit)
        excess = (hist - clipped).sum(-1, keepdim=True)
        hist = clipped + excess / float(_BINS)
    cdf = hist.cumsum(-1)
    cdf_min = cdf.min(-1, keepdim=True).values
    denominator = float(tile_pixels) - cdf_min
    denominator = torch.where(denominator == 0,
                              torch.ones_like(denominator), denominator)
    return ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)


def _tile_coordinates(size, tile, grid, device):
    """For each pixel row (or column): the two neighbouring tile centres in
    the edge-padded grid of `grid + 2` tiles, and the blend weight."""
    position = (torch.arange(size, dtype=torch.float32, device=device)
                - tile / 2.0) / tile + 1.0
    low = position.floor()
    weight = position - low
    low = low.clamp(0, grid + 1).to(torch.int64)
    high = (low + 1).clamp(0, grid + 1)
    return low, high, weight


@register()
class ContrastLimitedAdaptiveHistogramEqualization(
        BaseImagePreprocessingLayer):
    """Contrast-limited adaptive histogram equalization, as Keras computes
    it on torch. Each image is split into `tile_grid_size` tiles (padded
    at the bottom and right by repeating the last row and column when the
    size does not divide, as Keras on torch pads); each
    tile and channel gets a 256-bin histogram, clipped at
    `int(clip_limit * tile_pixels / 256)` (pixel counts are integers in
    Keras on torch) with the excess spread evenly over the bins, whose
    normalized cumulative sum is the tile's mapping. Each pixel's output
    blends the mappings of its four nearest tile centres bilinearly.
    Deterministic: applied in training and inference alike. Runs batched:
    one `bincount` for every histogram, four gathers for the blend.
    Bounding boxes and segmentation masks pass through unchanged, as for
    the other colour layers (Keras 3.15 refuses them for this layer).

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        clip_limit: how far a histogram bin may exceed the uniform level
            before it is clipped; `0` disables clipping. Defaults to 4.0.
        tile_grid_size: `(rows, columns)` of tiles. Defaults to `(8, 8)`.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> layer = ContrastLimitedAdaptiveHistogramEqualization()
        >>> layer(np.random.randint(0, 256, (1, 64, 64, 3))).shape
        torch.Size([1, 64, 64, 3])
    """

    _BOXES_UNCHANGED = True

    def __init__(self, value_range=(0, 255), clip_limit=4.0,
                 tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = type(self).__name__
        color_utils.check_value_range(owner, value_range)
        if isinstance(clip_limit, bool) or not isinstance(
                clip_limit, (int, float)) or clip_limit < 0:
            raise ValueError(
                f"Invalid value for argument `clip_limit` of {owner}. "
                "Expected a non-negative number. "
                f"Received: clip_limit={clip_limit!r}")
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = _check_tile_grid_size(tile_grid_size)

    def transform_images(self, images, transformation=None, training=True):
        dtype = images.dtype
        x = images.permute(0, 2, 3, 1) if \
            self.data_format == "channels_first" else images
        x = color_utils.transform_value_range(
            x.to(torch.float32), self.value_range, (0, 255))
        x = self._equalize(x)
        x = color_utils.transform_value_range(x, (0, 255), self.value_range)
        if self.data_format == "channels_first":
            x = x.permute(0, 3, 1, 2)
        return x.to(dtype)

    def _equalize(self, x):
        """CLAHE of channels-last float images with values in [0, 255]."""
        batch, height, width, channels = x.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded_h, padded_w = tile_h * grid_h, tile_w * grid_w
        device = x.device
        pixels = x.clamp(0, 255).to(torch.int64)
        if (padded_h, padded_w) != (height, width):
            pixels = pixels.index_select(1, _edge_pad_index(
                height, padded_h, device))
            pixels = pixels.index_select(2, _edge_pad_index(
                width, padded_w, device))
        tiles = pixels.view(batch, grid_h, tile_h, grid_w, tile_w, channels)
        tiles = tiles.permute(0, 1, 3, 5, 2, 4).reshape(-1, tile_h * tile_w)
        mappings = _tile_mappings(tiles, self.clip_limit, tile_h * tile_w)
        mappings = mappings.view(batch, grid_h, grid_w, channels, _BINS)
        # Edge tiles repeat outwards, so border pixels blend a tile with
        # itself.
        rows = torch.arange(grid_h + 2, device=device).sub(1).clamp(
            0, grid_h - 1)
        cols = torch.arange(grid_w + 2, device=device).sub(1).clamp(
            0, grid_w - 1)
        mappings = mappings.index_select(1, rows).index_select(2, cols)
        flat = mappings.reshape(-1)
        y0, y1, wy = _tile_coordinates(padded_h, tile_h, grid_h, device)
        x0, x1, wx = _tile_coordinates(padded_w, tile_w, grid_w, device)
        stride_x = channels * _BINS
        stride_y = stride_x * (grid_w + 2)
        stride_b = stride_y * (grid_h + 2)
        base = (torch.arange(batch, device=device).view(-1, 1, 1, 1)
                * stride_b
                + torch.arange(channels, device=device).view(1, 1, 1, -1)
                * _BINS + pixels)

        def lookup(rows_index, cols_index):
            index = base + rows_index.view(1, -1, 1, 1) * stride_y + \
                cols_index.view(1, 1, -1, 1) * stride_x
            return flat.take(index)

        wx = wx.view(1, 1, -1, 1)
        wy = wy.view(1, -1, 1, 1)
        top = lookup(y0, x0) * (1 - wx) + lookup(y0, x1) * wx
        bottom = lookup(y1, x0) * (1 - wx) + lookup(y1, x1) * wx
        out = top * (1 - wy) + bottom * wy
        return out[:, :height, :width, :]

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size})
        return config
