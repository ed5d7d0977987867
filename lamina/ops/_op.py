"""Shared helpers of the `lamina.ops` modules: the decorator every op wears
and conversions between Keras's and torch's conventions."""

import torch

from lamina import config
from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _dtypes
from lamina.ops.core import _tensor


def op(name):
    """Makes a tensor function a Keras op: symbolic on KerasTensors, with
    torch's dtype errors explained."""
    def decorate(fn):
        return symbolic_aware(name)(_dtypes.explain_dtype_errors(name)(fn))

    return decorate


def tensors(*values):
    return [_tensor(v) for v in values]


def promoted(*values):
    """The values as tensors of their common dtype. Python numbers next to
    tensors are weakly typed, as in Keras: they never widen the tensors'
    dtype except to reach their kind (an int8 tensor with `2` stays int8,
    with `2.5` becomes floatx)."""
    scalar = (bool, int, float)
    if all(isinstance(v, scalar) for v in values):
        values = tensors(*values)
        dtype = values[0].dtype
        for value in values[1:]:
            dtype = torch.promote_types(dtype, value.dtype)
        return [v.to(dtype) for v in values]
    strong = [_tensor(v) for v in values if not isinstance(v, scalar)]
    dtype = strong[0].dtype
    for value in strong[1:]:
        dtype = torch.promote_types(dtype, value.dtype)
    for value in values:
        if isinstance(value, float) and not (dtype.is_floating_point or
                                             dtype.is_complex):
            dtype = _dtypes.floatx()
        elif isinstance(value, int) and not isinstance(value, bool) and \
                dtype == torch.bool:
            dtype = torch.int32
    device = strong[0].device
    return [torch.as_tensor(v, dtype=dtype, device=device)
            if isinstance(v, scalar) else _tensor(v).to(dtype)
            for v in values]


def strongly_promoted(*values):
    """The values as tensors of their common dtype, Python numbers counting
    as tensors (floatx/int32) as some Keras ops convert them first."""
    return promoted(*tensors(*values))


def float_promoted(*values, weak=True):
    """As `promoted`, then floatx for bool and integer results."""
    values = promoted(*values) if weak else strongly_promoted(*values)
    dtype = _dtypes.float_dtype(values[0].dtype)
    return [v.to(dtype) for v in values]


def data_format(value):
    value = config.image_data_format() if value is None else value
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "Argument `data_format` must be 'channels_last' or "
            f"'channels_first'. Received: data_format={value!r}")
    return value


def to_channels_first(x, fmt):
    return torch.movedim(x, -1, 1) if fmt == "channels_last" else x


def from_channels_first(x, fmt):
    return torch.movedim(x, 1, -1) if fmt == "channels_last" else x


def tuple_of(value, rank, name):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(
            f"Argument `{name}` must be an int or a tuple of {rank} ints. "
            f"Received: {name}={value}")
    return value


def axes_of(axis, rank):
    if axis is None:
        return tuple(range(rank))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    return tuple(a % rank for a in axes)


def public(namespace):
    """The public functions defined in the module whose globals are
    `namespace` (its `__all__`: helpers and imports stay out of star
    imports)."""
    names = []
    for name, value in namespace.items():
        source = getattr(value, "__wrapped__", value)
        if not name.startswith("_") and callable(value) and getattr(
                source, "__module__", None) == namespace["__name__"]:
            names.append(name)
    return names
