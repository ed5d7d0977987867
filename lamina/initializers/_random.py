"""Random initializers with explicit parameters, and Orthogonal."""

import math

import torch

from lamina.initializers import _sampling
from lamina.initializers._initializer import Initializer
from lamina.initializers._initializer import float_dtype
from lamina.initializers._initializer import standardize_shape
from lamina.initializers._registry import REGISTRY


class RandomInitializer(Initializer):
    """Base of the seeded initializers.

    An integer seed, or none (a seed is then drawn from Python's `random`
    once, at construction), makes every call return the same values, as in
    Keras. A `lamina.random.SeedGenerator` gives new values on each call.

    Args:
        seed: `None`, an integer, or a `lamina.random.SeedGenerator`.
    """

    def __init__(self, seed=None):
        self._init_seed = seed
        self.seed = _sampling.resolve_seed(seed)

    def get_config(self):
        return {"seed": _sampling.serialize_seed(self._init_seed)}


@REGISTRY.register("random_normal", "normal")
class RandomNormal(RandomInitializer):
    """Draws from a normal distribution.

    Args:
        mean: Mean of the values. Defaults to 0.
        stddev: Standard deviation of the values. Defaults to 0.05.
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.

    Example:

    >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2)).shape
    torch.Size([2, 2])
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _sampling.normal(
            standardize_shape(shape), self.mean, self.stddev,
            float_dtype(dtype, self), self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean,
                "stddev": self.stddev}


@REGISTRY.register("truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Draws from a normal distribution cut at two standard deviations.

    Values further than `2 * stddev` from the mean are drawn again.

    Args:
        mean: Mean of the values. Defaults to 0.
        stddev: Standard deviation before truncation. Defaults to 0.05.
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _sampling.truncated_normal(
            standardize_shape(shape), self.mean, self.stddev,
            float_dtype(dtype, self), self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean,
                "stddev": self.stddev}


@REGISTRY.register("random_uniform", "uniform")
class RandomUniform(RandomInitializer):
    """Draws from a uniform distribution on `[minval, maxval)`.

    Args:
        minval: Lower bound. Defaults to -0.05.
        maxval: Upper bound (excluded). Defaults to 0.05.
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _sampling.uniform(
            standardize_shape(shape), self.minval, self.maxval,
            float_dtype(dtype, self), self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "minval": self.minval,
                "maxval": self.maxval}


@REGISTRY.register("orthogonal", "OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """Initializes with a random orthogonal matrix (Saxe et al., 2014).

    The shape is viewed as a matrix `(prod(shape[:-1]), shape[-1])`; its
    rows (if fewer) or columns are orthonormal, then scaled by `gain`. The
    matrix comes from the QR decomposition of a standard normal draw.

    Args:
        gain: Multiplicative factor applied to the matrix. Defaults to 1.
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = float_dtype(dtype, self)
        # QR has no half-precision CPU kernel: work in float32 then.
        work_dtype = dtype if dtype.itemsize >= 4 else torch.float32
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat_shape = (max(rows, cols), min(rows, cols))
        draws = _sampling.normal(flat_shape, 0.0, 1.0, work_dtype, self.seed)
        q, r = torch.linalg.qr(draws)
        # Fixing the signs makes the distribution uniform over orthogonal
        # matrices.
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
