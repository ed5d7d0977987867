"""Activations that act along an axis: softmax, log-softmax, sparsemax, GLU."""

import warnings

import torch
import torch.nn.functional as F

from lamina.activations._common import to_tensor
from lamina.activations._registry import REGISTRY


def _along_axes(fn, x, axis):
    """Applies `fn(x, dim)` over `axis`: an int, a tuple of ints or None."""
    if isinstance(axis, int):
        return fn(x, axis)
    if axis is None:
        return fn(x.reshape(-1), -1).reshape(x.shape)
    # Several axes: move them last, flatten them into one, then undo.
    axes = [a % x.ndim for a in axis]
    dest = list(range(x.ndim - len(axes), x.ndim))
    moved = torch.movedim(x, axes, dest)
    flat = moved.reshape(*moved.shape[: x.ndim - len(axes)], -1)
    out = fn(flat, -1).reshape(moved.shape)
    return torch.movedim(out, dest, axes)


@REGISTRY.register()
def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x))` along `axis`.

    Args:
        x: Input tensor.
        axis: An int, a tuple of ints (normalized jointly) or `None` (all
            axes). Defaults to -1.

    Returns:
        A tensor of the same shape as `x` whose entries along `axis` are in
        `(0, 1)` and sum to 1.
    """
    x = to_tensor(x)
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim \
            and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape "
            f"{tuple(x.shape)}. This axis has size 1, so the softmax always "
            "returns 1. Did you mean to use a sigmoid?",
            stacklevel=2,
        )
    return _along_axes(F.softmax, x, axis)


@REGISTRY.register()
def log_softmax(x, axis=-1):
    """Logarithm of the softmax, computed stably along `axis`.

    `x - max(x) - log(sum(exp(x - max(x))))`.

    Args:
        x: Input tensor.
        axis: An int, a tuple of ints or `None`. Defaults to -1.
    """
    return _along_axes(F.log_softmax, to_tensor(x), axis)


@REGISTRY.register()
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the simplex.

    `max(x - tau, 0)` along `axis`, with the threshold `tau` chosen so that
    the outputs sum to 1; unlike softmax, small entries become exactly 0
    (Martins & Astudillo, 2016).

    Args:
        x: Input tensor.
        axis: The axis to normalize over. Defaults to -1.
    """
    x = to_tensor(x)
    ranked, _ = torch.sort(x, dim=axis, descending=True)
    cumulative = torch.cumsum(ranked, dim=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    rank = torch.arange(
        1, x.shape[axis] + 1, device=x.device, dtype=x.dtype
    ).view(shape)
    # The support is the prefix of sorted entries that stay positive;
    # tau comes from the sum over that prefix.
    support = ranked - (cumulative - 1) / rank > 0
    size = support.sum(dim=axis, keepdim=True)
    total = torch.where(support, ranked, 0).sum(dim=axis, keepdim=True)
    tau = (total - 1) / size
    return torch.clamp(x - tau, min=0)


@REGISTRY.register()
def glu(x, axis=-1):
    """Gated linear unit: splits `x` in halves `a, b` along `axis` and
    returns `a * sigmoid(b)`.

    Args:
        x: Input tensor; its size along `axis` must be even.
        axis: The axis to split. Defaults to -1.

    Returns:
        A tensor with half the size of `x` along `axis`.
    """
    x = to_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(
            "Invalid input for `glu`: the size of axis "
            f"{axis} must be even to split it in two halves. Received: "
            f"x.shape={tuple(x.shape)}"
        )
    return F.glu(x, dim=axis)
