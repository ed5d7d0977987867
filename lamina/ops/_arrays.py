"""Array ops of `keras.ops.numpy`: creation, shapes, joining and
splitting, sorting, indexing. Re-exported by `lamina.ops.numpy`."""

import builtins

import torch

from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _dtypes
from lamina.ops.core import _tensor
from lamina.ops.core import convert_to_tensor
from lamina.utils.dtypes import to_torch_dtype


@symbolic_aware("concatenate")
@_dtypes.explain_dtype_errors("concatenate")
def concatenate(xs, axis=0):
    return torch.cat([_tensor(x) for x in xs], dim=axis)


@symbolic_aware("stack")
@_dtypes.explain_dtype_errors("stack")
def stack(x, axis=0):
    return torch.stack([_tensor(v) for v in x], dim=axis)


@symbolic_aware("split")
@_dtypes.explain_dtype_errors("split")
def split(x, indices_or_sections, axis=0):
    x = _tensor(x)
    if isinstance(indices_or_sections, int):
        size = x.shape[axis]
        if size % indices_or_sections:
            raise ValueError(
                f"Cannot split an axis of size {size} into "
                f"{indices_or_sections} equal sections."
            )
        return list(torch.split(x, size // indices_or_sections, dim=axis))
    bounds = [0] + list(indices_or_sections) + [x.shape[axis]]
    sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return list(torch.split(x, sizes, dim=axis))


@symbolic_aware("reshape")
@_dtypes.explain_dtype_errors("reshape")
def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(_tensor(x), tuple(newshape))


@symbolic_aware("expand_dims")
@_dtypes.explain_dtype_errors("expand_dims")
def expand_dims(x, axis):
    x = _tensor(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    rank = x.dim() + len(axes)
    for a in sorted(a % rank for a in axes):
        x = x.unsqueeze(a)
    return x


@symbolic_aware("squeeze")
@_dtypes.explain_dtype_errors("squeeze")
def squeeze(x, axis=None):
    x = _tensor(x)
    if axis is None:
        return torch.squeeze(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"Cannot squeeze axis {a}: its size is {x.shape[a]}, not 1. "
                f"Received input shape {tuple(x.shape)}"
            )
    return torch.squeeze(x, dim=tuple(axes))


@symbolic_aware("transpose")
@_dtypes.explain_dtype_errors("transpose")
def transpose(x, axes=None):
    x = _tensor(x)
    if axes is None:
        axes = tuple(reversed(range(x.dim())))
    return x.permute(*axes)


@symbolic_aware("swapaxes")
@_dtypes.explain_dtype_errors("swapaxes")
def swapaxes(x, axis1, axis2):
    return torch.swapaxes(_tensor(x), axis1, axis2)


@symbolic_aware("moveaxis")
@_dtypes.explain_dtype_errors("moveaxis")
def moveaxis(x, source, destination):
    return torch.movedim(_tensor(x), source, destination)


@symbolic_aware("flip")
@_dtypes.explain_dtype_errors("flip")
def flip(x, axis=None):
    x = _tensor(x)
    axes = range(x.dim()) if axis is None else (
        axis if isinstance(axis, (list, tuple)) else [axis])
    return torch.flip(x, dims=tuple(axes))


@symbolic_aware("tile")
@_dtypes.explain_dtype_errors("tile")
def tile(x, repeats):
    return torch.tile(_tensor(x), tuple(repeats) if isinstance(
        repeats, (list, tuple)) else (repeats,))


@symbolic_aware("repeat")
@_dtypes.explain_dtype_errors("repeat")
def repeat(x, repeats, axis=None):
    return torch.repeat_interleave(_tensor(x), repeats, dim=axis)


@symbolic_aware("sort")
@_dtypes.explain_dtype_errors("sort")
def sort(x, axis=-1):
    x = _tensor(x)
    if axis is None:
        x, axis = x.flatten(), -1
    return torch.sort(x, dim=axis).values


@symbolic_aware("argsort")
@_dtypes.explain_dtype_errors("argsort")
def argsort(x, axis=-1):
    """Indices that sort `x` (stable), as int32."""
    x = _dtypes.sortable(_tensor(x))
    if axis is None:
        x, axis = x.flatten(), -1
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@symbolic_aware("pad")
@_dtypes.explain_dtype_errors("pad")
def pad(x, pad_width, mode="constant", constant_values=None):
    x = _tensor(x)
    flat = []
    for before, after in reversed([tuple(p) for p in pad_width]):
        flat.extend([before, after])
    value = 0 if constant_values is None else constant_values
    if mode == "constant":
        return torch.nn.functional.pad(x, flat, value=value)
    return torch.nn.functional.pad(x, flat, mode=mode)


@symbolic_aware("linspace")
@_dtypes.explain_dtype_errors("linspace")
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None,
             axis=0):
    """`num` evenly spaced values from `start` to `stop` (arrays of bounds
    give one sequence per element, laid along `axis`)."""
    out_dtype = to_torch_dtype(dtype or "float32")
    if out_dtype == torch.bool:
        raise TypeError("ops.linspace cannot make bool values (Keras raises "
                        "too). Received: dtype=bool")
    start = _tensor(start).to(torch.float64)
    stop = _tensor(stop).to(torch.float64)
    step = (stop - start) / builtins.max((num - 1) if endpoint else num, 1)
    ramp = torch.arange(num, dtype=torch.float64, device=start.device)
    values = start + ramp.reshape((num,) + (1,) * start.dim()) * step
    if endpoint and num > 1:
        values[-1] = stop
    values = torch.movedim(values.to(out_dtype), 0, axis)
    return (values, step.to(out_dtype)) if retstep else values


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); without `dtype`, int32 for
    integer bounds and floatx when any bound is a float, as Keras."""
    bounds = [v for v in (start, stop, step) if v is not None]
    torch_dtype = to_torch_dtype(dtype) if dtype else \
        _dtypes.scalar_dtype(*bounds)
    if torch_dtype == torch.bool:
        raise TypeError(
            "ops.arange cannot make a bool range (Keras raises too). Pass "
            f"numeric bounds or a numeric `dtype`. Received: start={start!r}, "
            f"stop={stop!r}, step={step!r}, dtype={dtype!r}"
        )
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    return convert_to_tensor(torch.arange(start, stop, step,
                                          dtype=torch_dtype))


def zeros(shape, dtype=None):
    return convert_to_tensor(torch.zeros(tuple(shape) if not isinstance(
        shape, int) else (shape,), dtype=to_torch_dtype(dtype)))


def ones(shape, dtype=None):
    return convert_to_tensor(torch.ones(tuple(shape) if not isinstance(
        shape, int) else (shape,), dtype=to_torch_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    """Without `dtype`, floatx (as Keras's torch backend)."""
    torch_dtype = to_torch_dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    fill = _tensor(fill_value).to(torch_dtype)
    return convert_to_tensor(fill.expand(shape).clone())


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """Ones on diagonal `k` (above the main one when k > 0)."""
    M = N if M is None else M
    ones = torch.ones(N, M, dtype=to_torch_dtype(dtype))
    return convert_to_tensor(torch.triu(torch.tril(ones, k), k))


@symbolic_aware("zeros_like")
@_dtypes.explain_dtype_errors("zeros_like")
def zeros_like(x, dtype=None):
    x = _tensor(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("ones_like")
@_dtypes.explain_dtype_errors("ones_like")
def ones_like(x, dtype=None):
    x = _tensor(x)
    return torch.ones_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("full_like")
@_dtypes.explain_dtype_errors("full_like")
def full_like(x, fill_value, dtype=None):
    x = _tensor(x)
    return torch.full_like(x, fill_value,
                           dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("take")
@_dtypes.explain_dtype_errors("take")
def take(x, indices, axis=None):
    x, indices = _tensor(x), _tensor(indices).long()
    if axis is None:
        return x.flatten()[indices]
    return torch.index_select(x, axis, indices.flatten()).reshape(
        x.shape[:axis % x.dim()] + indices.shape + x.shape[axis % x.dim() + 1:]
    )


@symbolic_aware("take_along_axis")
@_dtypes.explain_dtype_errors("take_along_axis")
def take_along_axis(x, indices, axis=None):
    return torch.take_along_dim(_tensor(x), _tensor(indices).long(), dim=axis)


@symbolic_aware("tril")
@_dtypes.explain_dtype_errors("tril")
def tril(x, k=0):
    return torch.tril(_tensor(x), diagonal=k)


@symbolic_aware("triu")
@_dtypes.explain_dtype_errors("triu")
def triu(x, k=0):
    return torch.triu(_tensor(x), diagonal=k)


@symbolic_aware("diag")
@_dtypes.explain_dtype_errors("diag")
def diag(x, k=0):
    return torch.diag(_tensor(x), diagonal=k)
