"""GaussianNoise: adds zero-mean Gaussian noise while training."""

import numbers


from lamina import random_masks
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.random import SeedGenerator


@register()
class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise of standard deviation `stddev`.

    A regularizer against overfitting (and a natural model of input
    corruption for real-valued inputs). Only active in training.

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: optional int making the sequence of noise draws reproducible.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to add noise (resolved by the engine; default
            False).

    Example:
        >>> layer = GaussianNoise(0.1, seed=1)
        >>> y = layer(torch.zeros(2, 3), training=True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_unit_interval(stddev, "stddev")
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        # (Hashed normals inside a compiled step: one graph.)
        return inputs + random_masks.normal_like(
            inputs, 0.0, self.stddev, self.seed_generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


def check_unit_interval(value, name):
    """Returns `value` if it is a real number in [0, 1]; raises otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0 <= value <= 1:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a float in "
            f"[0, 1]. Received: {name}={value!r}"
        )
    return value
