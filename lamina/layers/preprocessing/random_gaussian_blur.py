"""RandomGaussianBlur: blurs images with a Gaussian kernel of random
width, with a random probability."""

import torch
import torch.nn.functional as F

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.registry import register


def _check_kernel_size(kernel_size):
    message = ("Invalid value for argument `kernel_size` of "
               "RandomGaussianBlur. Expected an odd int or a pair of odd "
               f"ints. Received: kernel_size={kernel_size!r}")
    sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) \
        else (kernel_size, kernel_size)
    if len(sizes) != 2 or any(isinstance(k, bool) or not isinstance(k, int)
                              or k < 1 or k % 2 == 0 for k in sizes):
        raise ValueError(message)
    return sizes


def _gaussian(size, sigma, dtype, device):
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


@register()
class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Blurs each image with probability drawn uniformly from `factor`
    (an image is blurred when a second uniform draw falls below it), with
    one Gaussian kernel per batch whose standard deviations (height,
    width) are uniform in `sigma`. Zero padding keeps the size; outputs
    are clipped to `value_range`.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair.
        kernel_size: an odd int or a pair of odd ints.
        sigma: a number `s` in [0, 1] (stored as `(0, s)`) or a pair.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0,
                 value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomGaussianBlur", factor,
                                   bounds=(0, 1))
        self.kernel_size = _check_kernel_size(kernel_size)
        self.sigma = parse_factor("RandomGaussianBlur", sigma,
                                  bounds=(0, 1), name="sigma")
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch, device = images.shape[0], images.device
        probability = self._uniform((batch,), self.factor[0], self.factor[1],
                                    device)
        threshold = self._uniform((batch,), 0.0, 1.0, device)
        sigma = self._uniform((2,), self.sigma[0], self.sigma[1], device,
                              along_rows=False)
        return {"should_apply_blur": threshold < probability,
                "blur_factor": sigma + 1e-6}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        channels_last = self.data_format == "channels_last"
        nchw = images.permute(0, 3, 1, 2) if channels_last else images
        sigma = transformation["blur_factor"].to(images.dtype)
        size_h, size_w = self.kernel_size
        kernel = torch.outer(
            _gaussian(size_h, sigma[1], images.dtype, images.device),
            _gaussian(size_w, sigma[0], images.dtype, images.device))
        channels = nchw.shape[1]
        kernel = kernel.expand(channels, 1, size_h, size_w)
        blurred = F.conv2d(nchw, kernel, padding=(size_h // 2, size_w // 2),
                           groups=channels)
        if channels_last:
            blurred = blurred.permute(0, 2, 3, 1)
        apply = transformation["should_apply_blur"].view(-1, 1, 1, 1)
        images = torch.where(apply, blurred, images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "kernel_size": self.kernel_size, "sigma": self.sigma,
                       "value_range": self.value_range, "seed": self.seed})
        return config
