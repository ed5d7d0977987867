"""Rectifier-style activations: ReLU and its smooth or shifted variants."""

import torch
import torch.nn.functional as F

from lamina.activations._common import to_tensor
from lamina.activations._registry import REGISTRY


@REGISTRY.register()
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, optionally leaky, capped and shifted.

    With the defaults this is `max(x, 0)`. Otherwise values above
    `threshold` pass through (capped at `max_value`), and values below it
    become `negative_slope * (x - threshold)`.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below `threshold`. Defaults to 0.
        max_value: Upper bound of the output, or `None` for no bound.
        threshold: Values above it are kept. Defaults to 0.

    Returns:
        A tensor of the same shape and dtype as `x`.
    """
    x = to_tensor(x)
    if threshold == 0 and max_value is None:
        if negative_slope == 0:
            return torch.relu(x)
        return F.leaky_relu(x, negative_slope)
    if threshold != 0:
        out = torch.where(x > threshold, x, 0)
    else:
        out = torch.relu(x)
    if max_value is not None:
        # Both bounds floats: torch's ONNX exporter fails on mixed types.
        out = out.clamp(0.0, float(max_value))
    if negative_slope != 0:
        out = out - negative_slope * torch.relu(threshold - x)
    return out


@REGISTRY.register()
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: `x` if `x >= 0`, else `negative_slope * x`.

    Args:
        x: Input tensor.
        negative_slope: Slope for negative inputs. Defaults to 0.2.
    """
    return F.leaky_relu(to_tensor(x), negative_slope)


@REGISTRY.register()
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return F.relu6(to_tensor(x))


@REGISTRY.register()
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part. Defaults to 1.0.
    """
    return F.elu(to_tensor(x), alpha)


@REGISTRY.register()
def selu(x):
    """Scaled ELU with the self-normalizing constants.

    `scale * x` if `x > 0`, else `scale * alpha * (exp(x) - 1)`, with
    `alpha ~= 1.6733` and `scale ~= 1.0507`. Pair it with `lecun_normal`
    initialization and `AlphaDropout`.
    """
    return F.selu(to_tensor(x))


@REGISTRY.register()
def celu(x, alpha=1.0):
    """Continuously differentiable ELU.

    `x` if `x >= 0`, else `alpha * (exp(x / alpha) - 1)`.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part. Defaults to 1.0.
    """
    return F.celu(to_tensor(x), alpha)


@REGISTRY.register()
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * P(X <= x)` with `X ~ N(0, 1)`.

    Args:
        x: Input tensor.
        approximate: Use the tanh approximation
            `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`
            instead of the exact erf form. Defaults to `False`.
    """
    return F.gelu(to_tensor(x), approximate="tanh" if approximate else "none")


@REGISTRY.register("swish")
def silu(x):
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return F.silu(to_tensor(x))


@REGISTRY.register("hard_swish")
def hard_silu(x):
    """Piecewise-linear SiLU: `x * relu6(x + 3) / 6`."""
    return F.hardswish(to_tensor(x))


@REGISTRY.register()
def mish(x):
    """Mish: `x * tanh(softplus(x))`."""
    return F.mish(to_tensor(x))


@REGISTRY.register()
def softplus(x):
    """Softplus: `log(exp(x) + 1)`."""
    return F.softplus(to_tensor(x))


@REGISTRY.register()
def softsign(x):
    """Softsign: `x / (abs(x) + 1)`."""
    return F.softsign(to_tensor(x))


@REGISTRY.register()
def squareplus(x, b=4):
    """Squareplus, a smooth ReLU: `(x + sqrt(x^2 + b)) / 2`.

    Args:
        x: Input tensor.
        b: Smoothness; the curve's value at 0 is `sqrt(b) / 2`. Defaults
            to 4.
    """
    x = to_tensor(x)
    return (x + torch.sqrt(x * x + b)) / 2


@REGISTRY.register()
def sparse_plus(x):
    """SparsePlus: 0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`, else
    `x`."""
    x = to_tensor(x)
    return torch.where(
        x <= -1, 0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x)
    )


@REGISTRY.register()
def exponential(x):
    """Exponential: `exp(x)`."""
    return torch.exp(to_tensor(x))


@REGISTRY.register()
def linear(x):
    """The identity: returns `x` unchanged."""
    return x
