"""RandomElasticTransform: displaces pixels along a smooth random field."""

import torch
import torch.nn.functional as F

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import color_utils
from lamina.layers.registry import register
from lamina.utils import image_transform

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _gaussian_kernel(sigma, dtype, device):
    """Keras's kernel: `int(6 sigma) | 1` taps, normalized."""
    size = int(6 * sigma) | 1
    grid = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (grid / sigma) ** 2)
    return kernel / kernel.sum()


def _smooth(fields, sigma):
    """`(n, height, width)` fields blurred by a zero-padded Gaussian (one
    pass per axis: the 2D kernel is their outer product)."""
    kernel = _gaussian_kernel(sigma, fields.dtype, fields.device)
    size = kernel.numel()
    x = fields.unsqueeze(1)
    x = F.conv2d(x, kernel.view(1, 1, size, 1), padding=(size // 2, 0))
    x = F.conv2d(x, kernel.view(1, 1, 1, size), padding=(0, size // 2))
    return x.squeeze(1)


@register()
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """Warps each image along a smooth random displacement field, as
    Keras does: per call one distortion `d` is drawn uniformly from
    `scale`; each image is transformed when a uniform draw falls below a
    probability drawn uniformly from `factor`. The field is Gaussian noise
    of standard deviation `sigma = 0.05 d min(height, width)`, blurred by a
    Gaussian of the same `sigma` (`int(6 sigma) | 1` taps, zero padding),
    scaled by `alpha = 0.1 d max(height, width)`, one field per image
    shared by its channels. Outputs are clipped to `value_range`. In
    inference the images pass through unchanged. Runs batched: one blur
    and one warp for the whole batch. Segmentation masks follow the
    images' field with nearest interpolation (clipped to `value_range`
    and returned in the compute dtype, as Keras's); bounding boxes are
    refused (as in Keras: no box follows an elastic warp). All draws,
    the noise included, come from the layer's seed generator (Keras on
    torch draws the noise from torch's global generator), so a seeded
    layer repeats itself.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair: the
            range of the probability that an image is transformed.
            Defaults to 1.0.
        scale: a number `s` in [0, 1] (stored as `(0, s)`) or a pair: the
            range of the distortion `d`. Defaults to 1.0.
        interpolation: `"bilinear"` or `"nearest"`.
        fill_mode: how points outside the image are filled: `"reflect"`
            (the default), `"constant"`, `"nearest"`, `"wrap"` or
            `"mirror"`.
        fill_value: the value for `fill_mode="constant"`.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        >>> layer = RandomElasticTransform(scale=0.5, seed=1)
        >>> layer(np.random.uniform(0, 255, (2, 32, 32, 3))).shape
        torch.Size([2, 32, 32, 3])
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = type(self).__name__
        self.factor = parse_factor(owner, factor, bounds=(0, 1))
        self.scale = parse_factor(owner, scale, bounds=(0, 1), name="scale")
        self.interpolation = image_transform.check_choice(
            owner, "interpolation", interpolation,
            image_transform.AFFINE_INTERPOLATIONS)
        self.fill_mode = image_transform.check_choice(
            owner, "fill_mode", fill_mode, _FILL_MODES)
        self.fill_value = fill_value
        color_utils.check_value_range(owner, value_range)
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        batch, device = images.shape[0], images.device
        height, width = self._height_width(images)
        probability = self._uniform((batch,), self.factor[0], self.factor[1],
                                    device)
        threshold = self._uniform((batch,), 0.0, 1.0, device)
        distortion = self._uniform((), self.scale[0], self.scale[1], device)
        noise = self._normal((2, batch, height, width), device,
                             rows_axis=1)
        return {"apply_transform": threshold < probability,
                "distortion_factor": distortion, "noise": noise}

    def _height_width(self, images):
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        return images.shape[h_axis], images.shape[w_axis]

    def _warp(self, images, transformation, interpolation):
        height, width = self._height_width(images)
        factor = float(transformation["distortion_factor"])
        alpha = max(height, width) * 0.1 * factor
        sigma = min(height, width) * 0.05 * factor
        if sigma <= 0:
            return images
        noise = transformation["noise"].to(images.dtype)
        fields = _smooth((noise * sigma).flatten(0, 1), sigma)
        dx, dy = (alpha * fields).view(noise.shape).unbind(0)
        rows = torch.arange(height, dtype=images.dtype,
                            device=images.device).view(1, -1, 1)
        cols = torch.arange(width, dtype=images.dtype,
                            device=images.device).view(1, 1, -1)
        warped = image_transform.remap(
            images, rows + dy, cols + dx, interpolation=interpolation,
            fill_mode=self.fill_mode, fill_value=self.fill_value,
            data_format=self.data_format)
        apply = transformation["apply_transform"].view(-1, 1, 1, 1)
        images = torch.where(apply, warped, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        if not training or transformation is None:
            return masks
        masks = self._to_compute_dtype(masks)
        return self._warp(masks, transformation, "nearest")

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation,
                       "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
