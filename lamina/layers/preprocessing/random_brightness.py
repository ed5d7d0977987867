"""RandomBrightness: adds a random offset to each image's pixels."""

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.registry import register


@register()
class RandomBrightness(BaseImagePreprocessingLayer):
    """Randomly adjusts the brightness of each image during training.

    Each image gets `delta * (value_range[1] - value_range[0])` added to
    all its pixels, with `delta` uniform in `factor`, and is clipped to
    `value_range`.

    Args:
        factor: a float `f` (the range `[-f, f]`) or a pair `(lower,
            upper)` in `[-1, 1]`: the offset as a fraction of the value
            range. Negative values darken, positive values brighten.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them.
        training: adjust only when True (the default, as in Keras);
            otherwise the input is returned unchanged.

    Example:
        >>> layer = RandomBrightness(0.2, seed=0)
        >>> layer(torch.rand(2, 8, 8, 3) * 255).shape
        torch.Size([2, 8, 8, 3])
    """

    # No pixel moves: bounding boxes pass through, as in Keras.
    _BOXES_UNCHANGED = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = parse_factor("RandomBrightness", factor)
        if not isinstance(value_range, (tuple, list)) or \
                len(value_range) != 2:
            raise ValueError(
                "Invalid value for argument `value_range` of "
                "RandomBrightness. Expected a list of two numbers. "
                f"Received: value_range={value_range!r}"
            )
        self.value_range = sorted(value_range)
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        shape = (images.shape[0], 1, 1, 1)
        delta = self._uniform(shape, self.factor[0], self.factor[1],
                              images.device)
        return {"rgb_delta": delta * (self.value_range[1] -
                                      self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._to_compute_dtype(images)
        outputs = images + transformation["rgb_delta"].to(images.dtype)
        return outputs.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor,
                       "value_range": self.value_range, "seed": self.seed})
        return config
