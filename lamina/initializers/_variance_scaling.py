"""VarianceScaling and its named cases: Glorot, He and LeCun."""

import math

from lamina.initializers import _sampling
from lamina.initializers._initializer import float_dtype
from lamina.initializers._initializer import standardize_shape
from lamina.initializers._random import RandomInitializer
from lamina.initializers._registry import REGISTRY

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")
# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it
# gives the truncated draws the requested variance.
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """Returns `(fan_in, fan_out)` of a weight of this shape.

    Kernels of rank > 2 (convolutions) are `(*spatial, in, out)`: both fans
    are multiplied by the receptive field size `prod(shape[:-2])`.

    Args:
        shape: The weight's shape.
        input_axes: Optional axes whose sizes multiply into `fan_in`; used
            together with `output_axes` (e.g. for einsum kernels).
        output_axes: Optional axes whose sizes multiply into `fan_out`.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        fan_out = math.prod(shape[axis] for axis in output_axes)
    elif len(shape) == 0:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    else:
        receptive_field = math.prod(shape[:-2])
        fan_in = shape[-2] * receptive_field
        fan_out = shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


@REGISTRY.register("variance_scaling")
class VarianceScaling(RandomInitializer):
    """Draws with a variance scaled to the weight's fans.

    The variance is `scale / n`, where `n` is `fan_in`, `fan_out` or their
    mean (`mode`). For `"truncated_normal"` the values are normal, cut at two
    standard deviations, with the standard deviation corrected so the
    variance is still `scale / n`; `"untruncated_normal"` is a plain normal;
    `"uniform"` draws in `[-limit, limit]` with `limit = sqrt(3 * scale / n)`.

    Args:
        scale: Positive scaling factor. Defaults to 1.
        mode: One of `"fan_in"`, `"fan_out"`, `"fan_avg"`.
        distribution: One of `"truncated_normal"`, `"untruncated_normal"`,
            `"uniform"`; `"normal"` means `"truncated_normal"`.
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.

    Example:

    >>> init = VarianceScaling(scale=0.1, mode="fan_in", seed=0)
    >>> init((4, 3)).shape
    torch.Size([4, 3])
    """

    def __init__(self, scale=1.0, mode="fan_in",
                 distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) \
                or not scale > 0.0:
            raise ValueError(
                "Invalid value for argument `scale`. Expected a positive "
                f"float. Received: scale={scale!r}"
            )
        if mode not in _MODES:
            raise ValueError(
                f"Invalid value for argument `mode`. Expected one of "
                f"{_MODES}. Received: mode={mode!r}"
            )
        if isinstance(distribution, str):
            distribution = distribution.lower()
            if distribution == "normal":
                distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                "Invalid value for argument `distribution`. Expected one of "
                f"{_DISTRIBUTIONS + ('normal',)}. Received: "
                f"distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        dtype = float_dtype(dtype, self)
        fan_in, fan_out = compute_fans(shape, self.input_axes,
                                       self.output_axes)
        if self.mode == "fan_in":
            variance = self.scale / max(1.0, fan_in)
        elif self.mode == "fan_out":
            variance = self.scale / max(1.0, fan_out)
        else:
            variance = self.scale / max(1.0, (fan_in + fan_out) / 2.0)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return _sampling.truncated_normal(shape, 0.0, stddev, dtype,
                                              self.seed)
        if self.distribution == "untruncated_normal":
            return _sampling.normal(shape, 0.0, math.sqrt(variance), dtype,
                                    self.seed)
        limit = math.sqrt(3.0 * variance)
        return _sampling.uniform(shape, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; its config
    holds only the seed and the axes."""

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._scale, mode=self._mode,
            distribution=self._distribution, seed=seed,
            input_axes=input_axes, output_axes=output_axes,
        )

    def get_config(self):
        return {
            "seed": _sampling.serialize_seed(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


@REGISTRY.register("glorot_uniform")
class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: `U(-limit, limit)` with
    `limit = sqrt(6 / (fan_in + fan_out))`. The default kernel initializer.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """

    _mode = "fan_avg"
    _distribution = "uniform"


@REGISTRY.register("glorot_normal")
class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with
    `stddev = sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """

    _mode = "fan_avg"


@REGISTRY.register("he_normal")
class HeNormal(_NamedVarianceScaling):
    """He normal: truncated normal with `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """

    _scale = 2.0


@REGISTRY.register("he_uniform")
class HeUniform(_NamedVarianceScaling):
    """He uniform: `U(-limit, limit)` with `limit = sqrt(6 / fan_in)`.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """

    _scale = 2.0
    _distribution = "uniform"


@REGISTRY.register("lecun_normal")
class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: truncated normal with `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """


@REGISTRY.register("lecun_uniform")
class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform: `U(-limit, limit)` with `limit = sqrt(3 / fan_in)`.

    Args:
        seed: `None`, an integer or a `lamina.random.SeedGenerator`.
        input_axes: Optional axes that make up `fan_in`.
        output_axes: Optional axes that make up `fan_out`.
    """

    _distribution = "uniform"
