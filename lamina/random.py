"""Random seeds: `set_random_seed` and `SeedGenerator`, on torch generators."""

import torch

# Defined with the other `keras.utils` functions (as in Keras); here too for
# `lamina.random.set_random_seed`.
from lamina.utils.rng_utils import set_random_seed  # noqa: F401


class SeedGenerator:
    """A stateful source of randomness: a seeded torch.Generator, or the
    global torch RNG when `seed` is None (so `set_random_seed` governs it).
    """

    def __init__(self, seed=None, device=None):
        self.seed = seed
        self._device = device
        # One generator per device, each seeded with `seed`: a model that
        # moves between devices continues each device's stream where it
        # left it, rather than restarting it.
        self._generators = {}

    def generator(self, device=None):
        if self.seed is None:
            return None
        device = torch.device(device or self._device or "cpu")
        generator = self._generators.get(device)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(int(self.seed))
            self._generators[device] = generator
        return generator

    def get_config(self):
        return {"seed": self.seed}


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    from lamina.utils.dtypes import to_torch_dtype

    gen = _generator(seed)
    out = torch.empty(tuple(shape), dtype=to_torch_dtype(dtype))
    return out.normal_(mean, stddev, generator=gen)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    from lamina.utils.dtypes import to_torch_dtype

    gen = _generator(seed)
    out = torch.empty(tuple(shape), dtype=to_torch_dtype(dtype))
    return out.uniform_(minval, maxval, generator=gen)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples re-drawn until within two standard deviations."""
    from lamina.utils.dtypes import to_torch_dtype

    out = torch.empty(tuple(shape), dtype=to_torch_dtype(dtype))
    torch.nn.init.trunc_normal_(
        out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev,
        generator=_generator(seed),
    )
    return out


def _generator(seed):
    if isinstance(seed, SeedGenerator):
        return seed.generator()
    if isinstance(seed, int):
        return torch.Generator().manual_seed(seed)
    return None
