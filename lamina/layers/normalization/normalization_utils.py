"""Helpers shared by the normalization layers.

Axis arguments: layers keep `axis` as the user wrote it (an int or a list, as
Keras writes it in `get_config`) and compute with sorted, non-negative axes
resolved against the input rank at build time. Precision: statistics of
float16/bfloat16 inputs are computed in float32, as Keras does, because half
precision overflows on sums of squares.
"""

import operator

import torch

_HALF_DTYPES = (torch.float16, torch.bfloat16)


def describe(layer):
    return f"{type(layer).__name__} layer '{layer.name}'"


def validate_axis_argument(layer, axis):
    """Returns `axis` as an int or a list of ints; raises on anything else."""
    if isinstance(axis, (list, tuple)):
        if not axis or any(_not_an_int(a) for a in axis):
            raise TypeError(_axis_message(layer, axis))
        return [operator.index(a) for a in axis]
    if _not_an_int(axis):
        raise TypeError(_axis_message(layer, axis))
    return operator.index(axis)


def resolve_axes(layer, axis, input_shape):
    """Sorted non-negative axes of `axis` for an input of `input_shape`."""
    rank = len(input_shape)
    requested = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in requested:
        if not -rank <= a < rank:
            raise ValueError(
                f"Invalid value for argument `axis` of {describe(layer)}. "
                f"Expected axes in [{-rank}, {rank}) for an input of rank "
                f"{rank}. Received: axis={axis} for input shape "
                f"{tuple(input_shape)}"
            )
    resolved = sorted(a % rank for a in requested)
    if len(set(resolved)) != len(resolved):
        raise ValueError(
            f"Invalid value for argument `axis` of {describe(layer)}. "
            f"Expected distinct axes. Received: axis={axis}"
        )
    return tuple(resolved)


def sizes_along(layer, axes, input_shape):
    """The defined sizes of `input_shape` along `axes` (a weight shape)."""
    sizes = tuple(input_shape[a] for a in axes)
    if any(s is None for s in sizes):
        raise ValueError(
            f"{describe(layer)} needs the normalized axes {list(axes)} to "
            f"have a defined size. Received: input_shape="
            f"{tuple(input_shape)}"
        )
    return sizes


def add_gamma_beta(layer, shape, scale, center):
    """Adds `layer.gamma` (if `scale`) then `layer.beta` (if `center`) of
    `shape` from the layer's gamma/beta arguments; a missing one is None."""
    # Each attribute is set once: a weight assigned over a None attribute
    # would be tracked under another name.
    layer.gamma = layer.add_weight(
        name="gamma", shape=shape, initializer=layer.gamma_initializer,
        regularizer=layer.gamma_regularizer,
        constraint=layer.gamma_constraint, autocast=False,
    ) if scale else None
    layer.beta = layer.add_weight(
        name="beta", shape=shape, initializer=layer.beta_initializer,
        regularizer=layer.beta_regularizer,
        constraint=layer.beta_constraint, autocast=False,
    ) if center else None


def broadcast_shape(axes, input_shape):
    """A shape with the sizes along `axes` and 1 elsewhere."""
    return tuple(
        input_shape[d] if d in axes else 1 for d in range(len(input_shape))
    )


def are_trailing(axes, rank):
    """Whether `axes` are exactly the last `len(axes)` dimensions."""
    return tuple(axes) == tuple(range(rank - len(axes), rank))


def at_least_float32(x):
    """`x` in float32 when it is float16/bfloat16, otherwise unchanged."""
    return x.float() if x.dtype in _HALF_DTYPES else x


def cast_weight(weight, dtype):
    """`weight` (or None) in `dtype`; a differentiable cast when needed."""
    if weight is None or weight.dtype == dtype:
        return weight
    return weight.to(dtype)


def moving_average(variable, value, momentum):
    """In place: `variable = variable * momentum + value * (1 - momentum)`.
    Call under `torch.no_grad()`."""
    value = value.detach().reshape(variable.shape).to(variable.dtype)
    variable.lerp_(value, 1.0 - momentum)


def _not_an_int(value):
    if isinstance(value, bool):
        return True
    try:
        operator.index(value)
    except TypeError:
        return True
    return False


def _axis_message(layer, axis):
    return (
        f"Invalid value for argument `axis` of {describe(layer)}. Expected an "
        f"int or a non-empty list/tuple of ints. Received: axis={axis!r}"
    )
