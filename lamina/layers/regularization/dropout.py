"""Dropout: zeroes random inputs while training, scaling the rest."""

import numbers

import torch

from lamina import random_masks
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.random import SeedGenerator


@register()
class Dropout(Layer):
    """Randomly sets inputs to 0 with frequency `rate` during training.

    Kept inputs are scaled by `1 / (1 - rate)` so the expected sum is
    unchanged. Outside training (the default, and in `evaluate`/`predict`)
    the layer returns its inputs as they are.

    Args:
        rate: float in [0, 1], the fraction of inputs to drop.
        noise_shape: optional shape of the binary keep mask, broadcast
            against the inputs; `None` entries take the input's size. E.g.
            `(batch, 1, features)` drops the same features at every step.
        seed: optional int making the sequence of masks reproducible.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to drop (resolved by the engine; default False).

    Example:
        >>> layer = Dropout(0.5, seed=1)
        >>> layer(torch.ones(2, 4), training=True)  # zeros and 2.0s
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or \
                not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a "
                f"float value between 0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = _standardize_noise_shape(noise_shape)
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return torch.zeros_like(inputs)
        # A hashed keep mask (`lamina.random_masks`): several times faster
        # than `bernoulli_` on CPU, and traced into compiled steps.
        keep_prob = 1.0 - self.rate
        mask = random_masks.keep_mask(
            self._concrete_noise_shape(inputs), self.rate,
            self.seed_generator, inputs.device,
            along_rows=noise_along_rows(self.noise_shape))
        # Dropped non-finite inputs become 0, as with Keras's `where`.
        return random_masks.apply_keep_mask(inputs, mask, 1.0 / keep_prob)

    def _concrete_noise_shape(self, inputs):
        return concrete_noise_shape(self.noise_shape, inputs,
                                    f"Layer '{self.name}'")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        })
        return config


def concrete_noise_shape(noise_shape, inputs, owner):
    """`noise_shape` with its Nones filled from `inputs.shape` (all of
    `inputs.shape` when None); `owner` starts the error message."""
    if noise_shape is None:
        return inputs.shape
    if len(noise_shape) != inputs.dim():
        raise ValueError(
            f"{owner}: `noise_shape` must have the rank of the inputs "
            f"({inputs.dim()}). Received: noise_shape={noise_shape}, "
            f"inputs.shape={tuple(inputs.shape)}"
        )
    return tuple(size if dim is None else dim
                 for dim, size in zip(noise_shape, inputs.shape))


def noise_along_rows(noise_shape):
    """Whether a mask of `noise_shape` has a draw per batch row (under data
    parallelism, each process's rows of the whole batch's mask); a 1 in
    front shares one draw among all rows."""
    return noise_shape is None or noise_shape[0] != 1


def _standardize_noise_shape(noise_shape):
    """Returns `noise_shape` as a tuple of positive ints and Nones."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError(
            "Invalid value received for argument `noise_shape`. Expected a "
            f"tuple or list of integers. Received: noise_shape={noise_shape}"
        )
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(
            "Invalid value received for argument `noise_shape`. Expected an "
            "iterable of integers (e.g., a tuple or list). Received: "
            f"noise_shape={noise_shape}"
        ) from None
    for index, dim in enumerate(noise_shape):
        if dim is None:
            continue
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise ValueError(
                "Invalid value received for argument `noise_shape`. Expected "
                "all elements to be integers or None. Received element at "
                f"index {index}: {dim} (type: {type(dim).__name__})"
            )
        if dim <= 0:
            raise ValueError(
                "Invalid value received for argument `noise_shape`. Expected "
                "all dimensions to be positive integers or None. Received "
                f"negative or zero value at index {index}: {dim}"
            )
    return noise_shape
