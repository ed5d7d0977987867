"""GaussianDropout: multiplies by Gaussian noise of mean 1 while training."""

import math


from lamina import random_masks
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.regularization.gaussian_noise import check_unit_interval
from lamina.random import SeedGenerator


@register()
class GaussianDropout(Layer):
    """Multiplies inputs by noise drawn from `N(1, rate / (1 - rate))`.

    The multiplicative counterpart of Dropout: the noise has mean 1 (so the
    expected output is the input) and the variance dropout with the same
    `rate` would have. Only active in training.

    Args:
        rate: float in [0, 1); the noise standard deviation is
            `sqrt(rate / (1 - rate))`.
        seed: optional int making the sequence of noise draws reproducible.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to apply the noise (resolved by the engine; default
            False).

    Example:
        >>> layer = GaussianDropout(0.2, seed=1)
        >>> y = layer(torch.ones(2, 3), training=True)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(rate, "rate")
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(
                f"GaussianDropout layer '{self.name}' cannot train with "
                "rate=1: the noise standard deviation sqrt(rate / (1 - rate)) "
                "is infinite. Expected a rate in [0, 1). Received: rate=1"
            )
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        # (Hashed normals inside a compiled step: one graph.)
        return inputs * random_masks.normal_like(
            inputs, 1.0, stddev, self.seed_generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
