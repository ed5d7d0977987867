"""The `Regularizer` base class and the weight-penalty regularizers L1, L2,
L1L2."""

import math

import numpy as np
import torch

from lamina.regularizers._registry import REGISTRY


def validate_float_arg(value, name):
    """Returns `value` as a float, or raises unless it is finite and >= 0."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) \
            or math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a non-negative "
            f"finite float. Received: {name}={value!r}"
        )
    return float(value)


def as_float32(value):
    """`value` rounded to float32, as Keras stores (and writes) L1's `l1`
    and OrthogonalRegularizer's `factor`."""
    return float(np.float32(value))


def to_tensor(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


@REGISTRY.register("regularizer")
class Regularizer:
    """Base class of regularizers: `regularizer(weight)` returns a scalar
    penalty added to the training loss.

    Subclasses implement `__call__(x)` and `get_config()` (returning their
    constructor arguments). The base penalty is 0.

    Example:

    ```python
    class L2Squared(lamina.regularizers.Regularizer):
        def __init__(self, strength):
            self.strength = strength

        def __call__(self, x):
            return self.strength * torch.sum(x ** 2)

        def get_config(self):
            return {"strength": self.strength}
    ```
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `get_config()` to be "
            "serialized."
        )

    def __repr__(self):
        try:
            config = self.get_config()
        except NotImplementedError:
            config = {}
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


@REGISTRY.register("l1l2", "l1_l2")
class L1L2(Regularizer):
    """Penalty `l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
        l1: Non-negative L1 factor. Defaults to 0 (`None` means 0).
        l2: Non-negative L2 factor. Defaults to 0 (`None` means 0).

    Example:

    >>> L1L2(l1=0.01, l2=0.01)(torch.ones(3))
    tensor(0.0600)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = to_tensor(x)
        penalty = None
        if self.l1 != 0.0:
            penalty = self.l1 * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            l2_term = self.l2 * torch.sum(torch.square(x))
            penalty = l2_term if penalty is None else penalty + l2_term
        return x.new_zeros(()) if penalty is None else penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@REGISTRY.register("l1")
class L1(Regularizer):
    """Penalty `l1 * sum(abs(x))`.

    Args:
        l1: Non-negative factor. Defaults to 0.01 (`None` means 0.01).
    """

    def __init__(self, l1=0.01):
        l1 = validate_float_arg(0.01 if l1 is None else l1, "l1")
        self.l1 = as_float32(l1)

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(to_tensor(x)))

    def get_config(self):
        return {"l1": self.l1}


@REGISTRY.register("l2")
class L2(Regularizer):
    """Penalty `l2 * sum(square(x))`.

    Args:
        l2: Non-negative factor. Defaults to 0.01 (`None` means 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(to_tensor(x)))

    def get_config(self):
        return {"l2": self.l2}
