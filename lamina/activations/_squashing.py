"""Sigmoid- and tanh-shaped activations, and the shrinkage functions."""

import torch
import torch.nn.functional as F

from lamina.activations._common import to_tensor
from lamina.activations._registry import REGISTRY


@REGISTRY.register()
def sigmoid(x):
    """Logistic sigmoid: `1 / (1 + exp(-x))`."""
    return torch.sigmoid(to_tensor(x))


@REGISTRY.register()
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: `relu6(x + 3) / 6`.

    0 for `x <= -3`, 1 for `x >= 3`, and `x / 6 + 0.5` in between.
    """
    return F.hardsigmoid(to_tensor(x))


@REGISTRY.register()
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for `x <= -1`, 1 for `x >= 1`, else `(x + 1) / 2`."""
    x = to_tensor(x)
    return torch.where(x <= -1, 0, torch.where(x >= 1, 1, 0.5 * (x + 1)))


@REGISTRY.register()
def log_sigmoid(x):
    """Logarithm of the sigmoid, computed stably: `-softplus(-x)`."""
    return F.logsigmoid(to_tensor(x))


@REGISTRY.register()
def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(to_tensor(x))


@REGISTRY.register()
def hard_tanh(x):
    """Tanh clipped to a line: `x` limited to `[-1, 1]`."""
    return F.hardtanh(to_tensor(x), -1.0, 1.0)


@REGISTRY.register()
def tanh_shrink(x):
    """Tanh shrink: `x - tanh(x)`."""
    return F.tanhshrink(to_tensor(x))


def _check_threshold(threshold, fn_name):
    if isinstance(threshold, (int, float)) and threshold < 0:
        raise ValueError(
            f"Invalid value for argument `threshold` of `{fn_name}`. "
            f"Expected a non-negative number. Received: threshold={threshold}"
        )


@REGISTRY.register()
def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: moves `x` towards 0 by `threshold`, stopping at 0.

    `x - threshold` if `x > threshold`, `x + threshold` if
    `x < -threshold`, else 0.

    Args:
        x: Input tensor.
        threshold: Non-negative shrinkage amount. Defaults to 0.5.
    """
    _check_threshold(threshold, "soft_shrink")
    return F.softshrink(to_tensor(x), threshold)


@REGISTRY.register()
def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: `x` if `|x| > threshold`, else 0.

    Args:
        x: Input tensor.
        threshold: Non-negative cut-off. Defaults to 0.5.
    """
    _check_threshold(threshold, "hard_shrink")
    return F.hardshrink(to_tensor(x), threshold)


@REGISTRY.register()
def threshold(x, threshold, default_value):
    """Keeps `x` where `x > threshold`, else writes `default_value`.

    Args:
        x: Input tensor.
        threshold: The cut-off value.
        default_value: The value used where `x <= threshold`.
    """
    return F.threshold(to_tensor(x), threshold, default_value)
