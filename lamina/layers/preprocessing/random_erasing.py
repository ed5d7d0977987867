"""RandomErasing: fills a random box of each image with noise or a
constant (Zhong et al., 2020)."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.registry import register
from lamina.utils.image_transform import spatial_axes


@register()
class RandomErasing(BaseImagePreprocessingLayer):
    """Erases a box of each image with a random probability (uniform in
    `factor`; an image is erased when a second uniform draw falls below
    it). The box's sides are `sqrt(s)` times the image's, `s` uniform in
    `scale` per side, at a uniform position. The box is filled with
    `fill_value` (a number or one per channel), or, when None, with
    Gaussian noise times `value_range[1]`; fills are clipped to
    `value_range`.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair.
        scale: a number or pair in [0, 1]: the box's area fraction range.
            Defaults to `(0.02, 0.33)`.
        fill_value: None (noise), a number or a list of three numbers.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None,
                 value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomErasing", factor, bounds=(0, 1))
        self.scale = parse_factor("RandomErasing", scale, bounds=(0, 1),
                                  name="scale")
        if fill_value is not None and not (
                isinstance(fill_value, (int, float))
                and not isinstance(fill_value, bool)
                or isinstance(fill_value, (tuple, list))
                and len(fill_value) == 3):
            raise ValueError(
                "Invalid value for argument `fill_value` of RandomErasing. "
                "Expected None, a number or a list of three numbers. "
                f"Received: fill_value={fill_value!r}")
        self.fill_value = fill_value
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch, device = images.shape[0], images.device
        h_axis, w_axis = spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        ratio = torch.sqrt(self._uniform((batch, 2), self.scale[0],
                                         self.scale[1], device))
        x0, x1 = self._crop_bounds(batch, width, ratio[:, 0], device)
        y0, y1 = self._crop_bounds(batch, height, ratio[:, 1], device)
        grid_y = torch.arange(height, device=device, dtype=torch.float32)
        grid_x = torch.arange(width, device=device, dtype=torch.float32)
        inside = ((grid_y >= y0[:, None]) & (grid_y < y1[:, None]))[
            :, :, None] & ((grid_x >= x0[:, None]) & (grid_x < x1[:, None]))[
            :, None, :]
        masks = inside[..., None] if self.data_format == "channels_last" \
            else inside[:, None]
        probability = self._uniform((batch,), self.factor[0], self.factor[1],
                                    device)
        threshold = self._uniform((batch,), 0.0, 1.0, device)
        return {"apply_erasing": threshold < probability,
                "batch_masks": masks,
                "fill_value": self._fill(images)}

    def _crop_bounds(self, batch, length, ratio, device):
        crop = ratio * length
        start = self._uniform((batch,), 0.0, 1.0, device) * (length - crop)
        return start, start + crop

    def _fill(self, images):
        dtype = self.dtype_policy.torch_compute_dtype
        if self.fill_value is None:
            noise = self._normal(images.shape, images.device, dtype)
            fill = noise * self.value_range[1]
        else:
            value = torch.as_tensor(self.fill_value, dtype=dtype,
                                    device=images.device)
            if value.ndim == 1 and self.data_format == "channels_first":
                value = value.view(3, 1, 1)
            fill = torch.ones(images.shape, dtype=dtype,
                              device=images.device) * value
        return fill.clamp(self.value_range[0], self.value_range[1])

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        erased = torch.where(transformation["batch_masks"],
                             transformation["fill_value"], images)
        apply = transformation["apply_erasing"].view(-1, 1, 1, 1)
        return torch.where(apply, erased, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
