"""Weight constraints: projections applied to a weight after each update."""

import torch

from lamina import config
from lamina.constraints._registry import REGISTRY


def _to_tensor(w):
    return w if isinstance(w, torch.Tensor) else torch.as_tensor(w)


def _norms(w, axis):
    """L2 norms of `w` over `axis` (int, sequence of ints or None), kept
    broadcastable against `w`."""
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


@REGISTRY.register("constraint")
class Constraint:
    """Base class of weight constraints.

    A constraint is called on a weight and returns its projected value; the
    optimizer writes that value back after each update. Subclasses implement
    `__call__(w)` and `get_config()`. The base constraint returns `w`.

    Example:

    ```python
    class NonNegWithCap(lamina.constraints.Constraint):
        def __init__(self, cap):
            self.cap = cap

        def __call__(self, w):
            return torch.clamp(w, 0.0, self.cap)

        def get_config(self):
            return {"cap": self.cap}
    ```
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@REGISTRY.register("max_norm")
class MaxNorm(Constraint):
    """Rescales weight vectors whose L2 norm exceeds `max_value`.

    `w * clip(norm, 0, max_value) / (epsilon + norm)`, norms taken over
    `axis`.

    Args:
        max_value: The maximum norm. Defaults to 2.
        axis: Axis or axes along which norms are computed. For a Dense
            kernel `(input_dim, units)` the default 0 constrains each unit's
            incoming weights; for a Conv2D kernel `(rows, cols, in, out)` use
            `[0, 1, 2]`.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@REGISTRY.register("non_neg")
class NonNeg(Constraint):
    """Replaces negative weights with 0."""

    def __call__(self, w):
        return torch.clamp(_to_tensor(w), min=0)


@REGISTRY.register("unit_norm")
class UnitNorm(Constraint):
    """Rescales weight vectors to unit L2 norm: `w / (epsilon + norm)`.

    Args:
        axis: Axis or axes along which norms are computed. Defaults to 0.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@REGISTRY.register("min_max_norm")
class MinMaxNorm(Constraint):
    """Moves weight-vector norms into `[min_value, max_value]`.

    The target norm is `rate * clip(norm, min_value, max_value) +
    (1 - rate) * norm`; the weights become
    `w * target / (epsilon + norm)`.

    Args:
        min_value: The minimum norm. Defaults to 0.
        max_value: The maximum norm. Defaults to 1.
        rate: How far to move towards the range each time: 1 projects
            fully, smaller values move gradually. Defaults to 1.
        axis: Axis or axes along which norms are computed. Defaults to 0.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(
            norms, self.min_value, self.max_value
        ) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }
