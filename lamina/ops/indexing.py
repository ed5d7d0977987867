"""Scatter, saturating casts, unstacking, pairwise distances and
`rearrange` (einops-style reshapes) for `keras.ops`."""

import re

import torch

from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor
from lamina.utils.dtypes import to_torch_dtype

_REDUCTIONS = {None: None, "add": "sum", "max": "amax", "min": "amin",
               "mul": "prod"}


def _linear(indices, shape):
    """Row-major positions of `(N, k)` indices into the first k axes."""
    indices = _tensor(indices).long()
    if indices.dim() == 1:
        indices = indices.unsqueeze(-1)
    k = indices.shape[-1]
    strides = torch.tensor([int(torch.tensor(shape[i + 1:k]).prod())
                            for i in range(k)], device=indices.device)
    return (indices.reshape(-1, k) * strides).sum(-1), k


@op("scatter")
def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (duplicates sum)."""
    values = _tensor(values)
    shape = tuple(shape)
    positions, k = _linear(indices, shape)
    out = torch.zeros((int(torch.tensor(shape[:k]).prod()),) + shape[k:],
                      dtype=values.dtype, device=values.device)
    out.index_add_(0, positions, values.reshape((-1,) + shape[k:]))
    return out.reshape(shape)


@op("scatter_update")
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (or combined with the
    values there: reduction "add", "max", "min" or "mul")."""
    if reduction not in _REDUCTIONS:
        raise ValueError("Argument `reduction` must be None, 'add', 'max', "
                         f"'min' or 'mul'. Received: reduction={reduction!r}")
    inputs = _tensor(inputs)
    shape = tuple(inputs.shape)
    positions, k = _linear(indices, shape)
    flat = inputs.reshape((-1,) + shape[k:])
    updates = _tensor(updates).to(inputs.dtype).reshape(
        (-1,) + shape[k:])
    if reduction is None:
        out = flat.index_copy(0, positions, updates)
    else:
        index = positions.reshape((-1,) + (1,) * (flat.dim() - 1))
        out = flat.scatter_reduce(0, index.expand_as(updates), updates,
                                  reduce=_REDUCTIONS[reduction])
    return out.reshape(shape)


def _limits(dtype):
    if dtype == torch.bool:
        return 0, 1
    info = torch.finfo(dtype) if dtype.is_floating_point else torch.iinfo(
        dtype)
    return info.min, info.max


@op("saturate_cast")
def saturate_cast(x, dtype):
    """Casts, clipping values to the target dtype's range first."""
    x, target = _tensor(x), to_torch_dtype(dtype)
    low, high = _limits(target)
    if x.dtype != torch.bool:
        in_low, in_high = _limits(x.dtype)
        low, high = max(low, in_low), min(high, in_high)
        if x.is_floating_point() and not target.is_floating_point:
            # The bound as a float of x's dtype may round up past the
            # integer range (int32's max in float32): step below it.
            bound = torch.tensor(float(high), dtype=x.dtype)
            if bound.item() > high:
                high = torch.nextafter(bound, torch.zeros_like(bound)).item()
        x = torch.clamp(x, low, high)
    return x.to(target)


@op("unstack")
def unstack(x, num=None, axis=0):
    x = _tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"Argument `num` ({num}) must equal the size of "
                         f"axis {axis} ({x.shape[axis]}).")
    return list(torch.unbind(x, dim=axis))


@op("cdist")
def cdist(x, y):
    """Euclidean distances between the rows of `x` and of `y`."""
    x, y = _op.float_promoted(x, y)
    return torch.cdist(x, y)


def _groups(side):
    tokens = re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+|\.\.\.", side)
    groups, current = [], None
    for token in tokens:
        if token == "(":
            current = []
        elif token == ")":
            groups.append(current)
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    return groups


@op("rearrange")
def rearrange(tensor, pattern, **axes_lengths):
    """einops-style `rearrange`: reorder, split `(a b)` and merge axes."""
    x = _tensor(tensor)
    if "->" not in pattern or "..." in pattern:
        raise ValueError("Argument `pattern` must read 'in -> out' with "
                         f"named axes (no '...'). Received: {pattern!r}")
    left, right = (_groups(s) for s in pattern.split("->"))
    if len(left) != x.dim():
        raise ValueError(f"Pattern {pattern!r} names {len(left)} axes; the "
                         f"input has {x.dim()}.")
    sizes = dict(axes_lengths)
    for group, size in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = int(torch.tensor([sizes[a] for a in group if a in sizes],
                                 dtype=torch.int64).prod())
        if len(unknown) > 1:
            raise ValueError(f"Cannot infer the sizes of {unknown} in "
                             f"{pattern!r}: pass them as keyword arguments.")
        if unknown:
            sizes[unknown[0]] = size // known
    elementary = [a for group in left for a in group]
    x = x.reshape([sizes[a] for a in elementary])
    order = [a for group in right for a in group]
    if sorted(order) != sorted(elementary):
        raise ValueError(f"Both sides of {pattern!r} must name the same "
                         "axes.")
    x = x.permute([elementary.index(a) for a in order])
    shape = [int(torch.tensor([sizes[a] for a in g], dtype=torch.int64)
                 .prod()) for g in right]
    return x.reshape(shape)


__all__ = _op.public(globals())
