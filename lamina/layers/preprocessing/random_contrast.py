"""RandomContrast: scales each image's deviation from its mean at random."""

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.utils.image_transform import spatial_axes
from lamina.layers.registry import register


@register()
class RandomContrast(BaseImagePreprocessingLayer):
    """Randomly adjusts the contrast of each image during training.

    Each image (each channel separately) becomes
    `(x - mean) * contrast_factor + mean`, clipped to `value_range`, where
    `mean` is the channel's mean over the image and `contrast_factor` is
    uniform in `[1 - factor[0], 1 + factor[1]]`. As in Keras 3, a single
    float `f` is stored as `factor = (0, f)`, so it only raises contrast;
    pass a pair to lower it too.

    Args:
        factor: a float `f` in `[0, 1]` (stored as `(0, f)`) or a pair
            `(lower, upper)`.
        value_range: `(min, max)` of the pixel values; outputs are clipped
            to it. Defaults to `(0, 255)`.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them.
        training: adjust only when True (the default, as in Keras);
            otherwise the input is returned unchanged.

    Example:
        >>> layer = RandomContrast((0.2, 0.2), seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = parse_factor("RandomContrast", factor, bounds=(0, 1))
        self.value_range = value_range
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape = (images.shape[0], 1, 1, 1)
        factor = self._uniform(shape, 1.0 - self.factor[0],
                               1.0 + self.factor[1], images.device)
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        factor = transformation["contrast_factor"].to(images.dtype)
        h_axis, w_axis = spatial_axes(self.data_format)
        # Keras averages over the height, then the width.
        mean = images.mean(dim=h_axis, keepdim=True).mean(dim=w_axis,
                                                          keepdim=True)
        outputs = (images - mean) * factor + mean
        return outputs.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
