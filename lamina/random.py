"""`keras.random`: seeded sampling on torch generators.

`seed` is, as in Keras, None (torch's global RNG, which `set_random_seed`
governs), an int (the same draw on every call) or a `SeedGenerator` (a
stream that advances with each draw).
"""

import contextlib
import numbers

import torch

from lamina import random_masks
from lamina.utils.dtypes import to_torch_dtype
# Defined with the other `keras.utils` functions (as in Keras); here too for
# `lamina.random.set_random_seed`.
from lamina.utils.rng_utils import set_random_seed  # noqa: F401

__all__ = [
    "SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma",
    "normal", "randint", "shuffle", "truncated_normal", "uniform",
]


class SeedGenerator:
    """A stateful source of randomness: a seeded torch.Generator, or the
    global torch RNG when `seed` is None (so `set_random_seed` governs it).

    Example:

    >>> seed = keras.random.SeedGenerator(42)
    >>> a = keras.random.normal((2,), seed=seed)
    >>> b = keras.random.normal((2,), seed=seed)  # a different draw
    """

    def __init__(self, seed=None, name=None, device=None):
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, numbers.Integral)):
            raise ValueError(
                "Invalid value for argument `seed` of SeedGenerator. "
                f"Expected None or an int. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        self.name = name or "seed_generator"
        self._device = device
        # One generator per device, each seeded with `seed`: a model that
        # moves between devices continues each device's stream where it
        # left it, rather than restarting it.
        self._generators = {}
        # Dropout masks (`lamina.random_masks`) are hashes keyed by the
        # seed and this count of masks drawn: a tensor, so a compiled step
        # advances it inside its graph.
        self.mask_draws = torch.zeros((), dtype=torch.int64)

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
    """Samples of a normal distribution."""
    out = torch.empty(_shape(shape), dtype=_float_dtype(dtype, "normal"))
    return out.normal_(mean, stddev, generator=_generator(seed))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of a uniform distribution on `[minval, maxval)`."""
    out = torch.empty(_shape(shape), dtype=_float_dtype(dtype, "uniform"))
    return out.uniform_(minval, maxval, generator=_generator(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples re-drawn until within two standard deviations."""
    out = torch.empty(_shape(shape),
                      dtype=_float_dtype(dtype, "truncated_normal"))
    torch.nn.init.trunc_normal_(
        out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev,
        generator=_generator(seed),
    )
    return out


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from `[minval, maxval)`."""
    torch_dtype = to_torch_dtype(dtype)
    if torch_dtype.is_floating_point or torch_dtype == torch.bool:
        raise ValueError(
            "Invalid value for argument `dtype` of `randint`. Expected an "
            f"integer dtype. Received: dtype={dtype!r}")
    return torch.randint(int(minval), int(maxval), _shape(shape),
                         generator=_generator(seed), dtype=torch_dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (shape
    `(batch, num_classes)`), drawn with replacement; returns
    `(batch, num_samples)`."""
    logits = torch.as_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`categorical` expects `logits` of shape (batch_size, "
            f"num_classes). Received: logits.shape={tuple(logits.shape)}")
    probabilities = torch.softmax(logits.float(), dim=-1)
    samples = torch.multinomial(
        probabilities, int(num_samples), replacement=True,
        generator=_generator(seed, logits.device))
    return samples.to(to_torch_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability `rate` and scales the rest by
    `1 / (1 - rate)`; `noise_shape` (None entries take the input's size)
    shares one draw along its size-1 axes."""
    inputs = torch.as_tensor(inputs)
    if not 0 <= rate < 1:
        raise ValueError(
            "Invalid value for argument `rate` of `dropout`. Expected a "
            f"float in [0, 1). Received: rate={rate!r}")
    if noise_shape is None:
        noise_shape = inputs.shape
    else:
        noise_shape = tuple(
            inputs.shape[i] if size is None else size
            for i, size in enumerate(noise_shape))
    return random_masks.dropout(inputs, rate, tuple(noise_shape), seed)


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order."""
    x = torch.as_tensor(x)
    order = torch.randperm(x.shape[axis], device=x.device,
                           generator=_generator(seed, x.device))
    return x.index_select(axis, order)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of a Gamma distribution with concentration `alpha` and
    rate 1."""
    torch_dtype = _float_dtype(dtype, "gamma")
    concentration = torch.as_tensor(alpha, dtype=torch.float64)
    concentration = concentration.expand(_shape(shape)).contiguous()
    with _seeded_global_rng(seed):
        samples = torch._standard_gamma(concentration)
    return samples.to(torch_dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of a Beta distribution, as `X / (X + Y)` for Gamma draws
    `X ~ Gamma(alpha)` and `Y ~ Gamma(beta)`."""
    torch_dtype = _float_dtype(dtype, "beta")
    shape = _shape(shape)
    with _seeded_global_rng(seed):
        x = torch._standard_gamma(
            torch.as_tensor(alpha, dtype=torch.float64).expand(shape)
            .contiguous())
        y = torch._standard_gamma(
            torch.as_tensor(beta, dtype=torch.float64).expand(shape)
            .contiguous())
    return (x / (x + y)).to(torch_dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of a binomial distribution: successes in `counts` trials of
    probability `probabilities` (both broadcast to `shape`)."""
    torch_dtype = _float_dtype(dtype, "binomial")
    shape = _shape(shape)
    counts = torch.as_tensor(counts, dtype=torch.float32).expand(shape)
    probabilities = torch.as_tensor(probabilities, dtype=torch.float32)
    samples = torch.binomial(counts.contiguous(),
                             probabilities.expand(shape).contiguous(),
                             generator=_generator(seed))
    return samples.to(torch_dtype)


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(size) for size in shape)


def _float_dtype(dtype, function):
    torch_dtype = to_torch_dtype(dtype)
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"Invalid value for argument `dtype` of `{function}`. Expected "
            f"a floating dtype. Received: dtype={dtype!r}")
    return torch_dtype


def _generator(seed, device=None):
    if isinstance(seed, SeedGenerator):
        return seed.generator(device)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return torch.Generator(device=device or "cpu").manual_seed(seed)
    if seed is None:
        return None
    raise ValueError(
        "Invalid value for argument `seed`. Expected None, an int or a "
        f"`keras.random.SeedGenerator`. Received: seed={seed!r}")


@contextlib.contextmanager
def _seeded_global_rng(seed):
    """Torch's Gamma sampler takes no generator: for a given seed, the CPU
    global RNG is seeded from it inside a fork, so the caller's global
    stream is left as it was."""
    generator = _generator(seed)
    if generator is None:
        yield
        return
    derived = int(torch.randint(0, 2**62, (), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(derived)
        yield
