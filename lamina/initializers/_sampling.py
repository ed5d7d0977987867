"""Seeds and random draws for the random initializers.

Draws follow the Keras torch backend step by step (a `torch.Generator`
seeded with the integer seed, `torch.normal` / `torch.rand`, and the
first-in-range of four normal draws for the truncated normal), so a seeded
Lamina initializer gives the same values as Keras on the same device.
"""

import random as python_random

import torch

from lamina.random import SeedGenerator
from lamina.saving import serialization


def make_default_seed():
    """An integer seed from Python's `random`, so `set_random_seed` makes
    unseeded initializers reproducible (as in Keras)."""
    return python_random.randint(1, int(1e9))


def resolve_seed(seed):
    """Validates a `seed` argument; returns an int or a `SeedGenerator`."""
    if seed is None:
        return make_default_seed()
    if isinstance(seed, dict):
        seed = _deserialize_seed(seed)
    if isinstance(seed, (int, SeedGenerator)):
        return seed
    raise ValueError(
        "Invalid value for argument `seed`. Expected an integer or a "
        f"`lamina.random.SeedGenerator`. Received: seed={seed!r}"
    )


def serialize_seed(seed):
    """The config value of a `seed` argument, in Keras's format."""
    if isinstance(seed, SeedGenerator):
        return {
            "module": "keras.random",
            "class_name": "SeedGenerator",
            "config": {"seed": seed.seed, "name": "seed_generator"},
            "registered_name": None,
        }
    return serialization.serialize_keras_object(seed)


def _deserialize_seed(config):
    if config.get("class_name") == "SeedGenerator":
        return SeedGenerator(seed=(config.get("config") or {}).get("seed"))
    return serialization.deserialize_keras_object(config)


def _generator(seed):
    if isinstance(seed, SeedGenerator):
        return seed.generator("cpu")
    # Keras treats seeds as uint32 bit patterns.
    return torch.Generator().manual_seed(seed & 0xFFFFFFFF)


def normal(shape, mean, stddev, dtype, seed):
    return torch.normal(
        mean, stddev, size=shape, generator=_generator(seed), dtype=dtype,
        device="cpu",
    )


def uniform(shape, minval, maxval, dtype, seed):
    draws = torch.rand(shape, generator=_generator(seed), dtype=dtype,
                       device="cpu")
    return (maxval - minval) * draws + minval


def truncated_normal(shape, mean, stddev, dtype, seed):
    """Normal draws kept within two standard deviations of the mean."""
    generator = _generator(seed)
    draws = torch.normal(
        0.0, 1.0, size=(*shape, 4), generator=generator, dtype=dtype,
        device="cpu",
    )
    in_range = (draws > -2) & (draws < 2)
    first = in_range.max(-1, keepdim=True)[1]
    out = draws.gather(-1, first).squeeze(-1)
    # Keras keeps an out-of-range value when all four draws miss (about one
    # element in 230,000); draw those again so the bound always holds.
    missed = ~in_range.any(-1)
    while bool(missed.any()):
        count = int(missed.sum())
        out[missed] = torch.normal(
            0.0, 1.0, size=(count,), generator=generator, dtype=dtype,
            device="cpu",
        )
        missed = (out <= -2) | (out >= 2)
    return out * stddev + mean
