"""AlphaDropout: dropout that keeps SELU's self-normalizing statistics."""

from lamina import random_masks
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.regularization.dropout import (
    concrete_noise_shape,
    noise_along_rows,
)
from lamina.layers.regularization.gaussian_noise import check_unit_interval
from lamina.random import SeedGenerator

# SELU's constants; a dropped unit is set to SELU's negative saturation value.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SATURATION = -_SELU_ALPHA * _SELU_SCALE


@register()
class AlphaDropout(Layer):
    """Dropout for self-normalizing networks (SELU activations).

    Dropped units are set to SELU's negative saturation value instead of 0,
    then an affine map `a * x + b` restores the mean and variance the inputs
    had (for zero-mean, unit-variance inputs). Only active in training.

    Args:
        rate: float in [0, 1), the fraction of units to drop.
        noise_shape: optional shape of the keep mask, broadcast against the
            inputs; `None` entries take the input's size.
        seed: optional int making the sequence of masks reproducible.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to drop (resolved by the engine; default False).

    Example:
        >>> layer = AlphaDropout(0.1, seed=1)
        >>> y = layer(torch.randn(4, 8), training=True)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(rate, "rate")
        self.noise_shape = _check_noise_shape(noise_shape)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        rate = self.rate
        if rate == 1:
            raise ValueError(
                f"AlphaDropout layer '{self.name}' cannot train with rate=1: "
                "the affine correction divides by 1 - rate. Expected a rate "
                "in [0, 1). Received: rate=1"
            )
        mask = random_masks.keep_mask(
            self._concrete_noise_shape(inputs), rate, self.seed_generator,
            inputs.device, along_rows=noise_along_rows(self.noise_shape))
        a = ((1 - rate) * (1 + rate * _SATURATION ** 2)) ** -0.5
        b = -a * _SATURATION * rate
        # Kept inputs, and the saturation value where dropped (mask + 1 is
        # 1 there and 0 where kept).
        dropped = (mask + 1).to(inputs.dtype) * _SATURATION
        return a * (random_masks.apply_keep_mask(inputs, mask) + dropped) + b

    def _concrete_noise_shape(self, inputs):
        return concrete_noise_shape(self.noise_shape, inputs,
                                    f"AlphaDropout layer '{self.name}'")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        })
        return config


def _check_noise_shape(noise_shape):
    """Validates `noise_shape`, returning it as given (Keras saves it so)."""
    if noise_shape is None:
        return None
    valid = isinstance(noise_shape, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
        for d in noise_shape
    )
    if not valid:
        raise ValueError(
            "Invalid value for argument `noise_shape`. Expected a tuple or "
            "list of positive ints or None. Received: "
            f"noise_shape={noise_shape!r}"
        )
    return noise_shape
