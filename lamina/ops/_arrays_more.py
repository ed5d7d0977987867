"""More array ops of `keras.ops.numpy`: creation, joining, splitting,
set and search ops, and views. Re-exported by `lamina.ops.numpy`."""

import builtins

import numpy as np
import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor
from lamina.ops.core import convert_to_tensor
from lamina.utils.dtypes import to_torch_dtype


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def empty(shape, dtype=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return convert_to_tensor(torch.zeros(shape, dtype=to_torch_dtype(dtype)))


@op("empty_like")
def empty_like(x, dtype=None):
    x = _tensor(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


def identity(n, dtype=None):
    return convert_to_tensor(torch.eye(n, dtype=to_torch_dtype(dtype)))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    M = N if M is None else M
    ones = torch.ones(N, M, dtype=to_torch_dtype(dtype))
    return convert_to_tensor(torch.tril(ones, k))


@op("copy")
def copy(x):
    return _tensor(x).clone()


@op("broadcast_to")
def broadcast_to(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return torch.broadcast_to(_tensor(x), shape)


@op("ravel")
def ravel(x):
    return _tensor(x).reshape(-1)


def ndim(x):
    return len(x.shape)


@op("append")
def append(x1, x2, axis=None):
    a, b = _op.strongly_promoted(x1, x2)
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=axis)


def _stacked(name, fn):
    @op(name)
    def stacked(xs):
        return fn(_op.promoted(*xs))

    stacked.__name__ = name
    return stacked


hstack = _stacked("hstack", torch.hstack)
vstack = _stacked("vstack", torch.vstack)
dstack = _stacked("dstack", torch.dstack)


def _split(x, indices_or_sections, axis, name):
    x = _tensor(x)
    if isinstance(indices_or_sections, int):
        if x.shape[axis] % indices_or_sections:
            raise ValueError(
                f"ops.{name}: an axis of size {x.shape[axis]} cannot split "
                f"into {indices_or_sections} equal sections.")
        return list(torch.tensor_split(x, indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, list(indices_or_sections), dim=axis))


@op("array_split")
def array_split(x, indices_or_sections, axis=0):
    x = _tensor(x)
    sections = indices_or_sections if isinstance(indices_or_sections, int) \
        else list(indices_or_sections)
    return list(torch.tensor_split(x, sections, dim=axis))


@op("hsplit")
def hsplit(x, indices_or_sections):
    x = _tensor(x)
    return _split(x, indices_or_sections, 0 if x.dim() == 1 else 1, "hsplit")


@op("vsplit")
def vsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 0, "vsplit")


@op("dsplit")
def dsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 2, "dsplit")


@op("fliplr")
def fliplr(x):
    return torch.flip(_tensor(x), dims=(1,))


@op("flipud")
def flipud(x):
    return torch.flip(_tensor(x), dims=(0,))


@op("rot90")
def rot90(array, k=1, axes=(0, 1)):
    return torch.rot90(_tensor(array), k, dims=tuple(axes))


@op("roll")
def roll(x, shift, axis=None):
    x = _tensor(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, dims=axis)


@op("diagonal")
def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(_tensor(x), offset, axis1, axis2)


@op("diagflat")
def diagflat(x, k=0):
    return torch.diagflat(_tensor(x), offset=k)


@op("trace")
def trace(x, offset=0, axis1=0, axis2=1):
    x = _tensor(x)
    dtype = _dtypes.accumulation_dtype(x.dtype)
    return torch.sum(torch.diagonal(x, offset, axis1, axis2), dim=-1,
                     dtype=dtype)


@op("diff")
def diff(a, n=1, axis=-1):
    return torch.diff(_tensor(a), n=n, dim=axis)


@op("outer")
def outer(x1, x2):
    return torch.outer(_tensor(x1).flatten(), _tensor(x2).flatten())


@op("inner")
def inner(x1, x2):
    a, b = _op.strongly_promoted(x1, x2)
    if a.dtype == torch.bool:
        return torch.inner(a.to(torch.int32), b.to(torch.int32)) != 0
    return torch.inner(a, b)


@op("vdot")
def vdot(x1, x2):
    a, b = _op.promoted(x1, x2)
    return torch.vdot(a.reshape(-1), b.reshape(-1))


@op("kron")
def kron(x1, x2):
    a, b = _op.strongly_promoted(x1, x2)
    return torch.kron(a, b)


@op("cross")
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b = _op.promoted(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = torch.movedim(a, axisa, -1), torch.movedim(b, axisb, -1)
    if a.shape[-1] == 2:
        a = torch.nn.functional.pad(a, (0, 1))
    if b.shape[-1] == 2:
        b = torch.nn.functional.pad(b, (0, 1))
    a, b = torch.broadcast_tensors(a, b)
    out = torch.linalg.cross(a, b, dim=-1)
    if x1.shape[axisa] == 2 and x2.shape[axisb] == 2:
        return out[..., 2]
    return torch.movedim(out, -1, axisc)


@op("correlate")
def correlate(x1, x2, mode="valid"):
    a, b = _op.float_promoted(x1, x2)
    if mode not in ("valid", "same", "full"):
        raise ValueError("Argument `mode` must be 'valid', 'same' or "
                         f"'full'. Received: mode={mode!r}")
    n, m = a.shape[0], b.shape[0]
    pad = {"valid": 0, "full": m - 1, "same": m // 2}[mode]
    right = {"valid": 0, "full": m - 1, "same": m - 1 - m // 2}[mode]
    if n < m:
        a, b = b, a
        flipped = True
    else:
        flipped = False
    signal = torch.nn.functional.pad(a.reshape(1, 1, -1), (pad, right))
    out = torch.nn.functional.conv1d(signal, b.reshape(1, 1, -1)).reshape(-1)
    return torch.flip(out, (0,)) if flipped else out


@op("corrcoef")
def corrcoef(x):
    return torch.corrcoef(_dtypes.to_float(_tensor(x)))


@op("digitize")
def digitize(x, bins):
    x, bins = _tensor(x), _tensor(bins)
    return torch.bucketize(x, bins, right=True).to(torch.int32)


@op("searchsorted")
def searchsorted(sorted_sequence, values, side="left"):
    if side not in ("left", "right"):
        raise ValueError("Argument `side` must be 'left' or 'right'. "
                         f"Received: side={side!r}")
    seq, values = _op.promoted(sorted_sequence, values)
    return torch.searchsorted(seq, values, side=side).to(torch.int32)


@op("isin")
def isin(x1, x2, assume_unique=False, invert=False):
    a, b = _op.promoted(x1, x2)
    if a.dtype == torch.bool:
        a, b = a.to(torch.uint8), b.to(torch.uint8)
    return torch.isin(a, b, assume_unique=assume_unique, invert=invert)


@op("meshgrid")
def meshgrid(*x, indexing="xy"):
    return list(torch.meshgrid(*_op.promoted(*x), indexing=indexing))


@op("nonzero")
def nonzero(x):
    """Indices of the non-zero values: one row per axis, as int32 (the
    layout of Keras's torch backend)."""
    return torch.nonzero(_tensor(x)).T.to(torch.int32)


@op("select")
def select(condlist, choicelist, default=0):
    choices = _op.promoted(*choicelist)
    out = torch.broadcast_to(_tensor(default).to(choices[0].dtype),
                             torch.broadcast_shapes(
                                 *[c.shape for c in choices]))
    for cond, choice in reversed(list(zip(condlist, choices))):
        out = torch.where(_tensor(cond).bool(), choice, out)
    return out


@op("trapezoid")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _dtypes.to_float(_tensor(y))
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=axis)
    return torch.trapezoid(y, _tensor(x).to(y.dtype), dim=axis)


@op("vander")
def vander(x, N=None, increasing=False):  # noqa: N803
    x = _tensor(x)
    out = torch.linalg.vander(x, N=N).to(x.dtype)
    return out if increasing else torch.flip(out, dims=(-1,))


@op("unravel_index")
def unravel_index(indices, shape):
    indices = _tensor(indices)
    out = []
    for size in reversed(tuple(shape)):
        out.append(torch.remainder(indices, size))
        indices = torch.div(indices, size, rounding_mode="floor")
    return tuple(reversed(out))


@op("view")
def view(x, dtype=None):
    x = _tensor(x)
    return x if dtype is None else x.view(to_torch_dtype(dtype))


@op("histogram")
def histogram(x, bins=10, range=None):  # noqa: A002 (Keras's name)
    x = _dtypes.to_float(_tensor(x))
    if x.dim() != 1:
        raise ValueError("ops.histogram takes a 1D tensor (as Keras). "
                         f"Received: x.shape={tuple(x.shape)}")
    low, high = (x.min().item(), x.max().item()) if range is None else range
    counts = torch.histc(x, bins=bins, min=low, max=high)
    edges = torch.linspace(low, high, bins + 1, dtype=x.dtype)
    return counts, edges


@op("bincount")
def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("ops.bincount: sparse outputs are not supported "
                         "on torch (Keras's torch backend raises too).")
    x = _tensor(x)
    if x.dim() == 2:
        rows = [bincount(r, None if weights is None else _tensor(weights)[i],
                         minlength) for i, r in enumerate(x)]
        length = builtins.max(r.shape[0] for r in rows)
        return torch.stack([torch.nn.functional.pad(r, (0, length - len(r)))
                            for r in rows])
    w = None if weights is None else _tensor(weights)
    out = torch.bincount(x.long(), weights=w, minlength=minlength)
    return out.to(torch.int32) if w is None else out.to(w.dtype)


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002,E501
           return_counts=False, axis=None, size=None, fill_value=None):
    """Unique values (eager only: the output size depends on the data)."""
    result = np.unique(np.asarray(_tensor(x).detach().cpu().numpy()),
                       return_index=return_index,
                       return_inverse=return_inverse,
                       return_counts=return_counts, axis=axis)
    parts = list(result) if isinstance(result, tuple) else [result]
    if size is not None:
        values = parts[0]
        fill = values.min() if fill_value is None and len(values) else (
            fill_value or 0)
        padded = np.full((size,) + values.shape[1:], fill, values.dtype)
        padded[:builtins.min(size, len(values))] = values[:size]
        parts[0] = padded
    tensors = [convert_to_tensor(p) for p in parts]
    return tensors[0] if len(tensors) == 1 else tuple(tensors)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over the leading axis of its tensor arguments (torch's
    `vmap`); `excluded` lists positional arguments passed through unmapped."""
    excluded = set(excluded or ())
    if signature is not None:
        raise ValueError("ops.vectorize: `signature` is not supported on "
                         "torch. Received: signature=" + repr(signature))

    def mapped(*args, **kwargs):
        mapped_at = [i for i in range(len(args)) if i not in excluded]
        tensors_ = [_tensor(args[i]) for i in mapped_at]
        shape = torch.broadcast_shapes(*[a.shape for a in tensors_])

        def call(*values):
            full = list(args)
            for i, value in zip(mapped_at, values):
                full[i] = value
            return pyfunc(*full, **kwargs)

        fn = call
        for _ in range(len(shape)):
            fn = torch.vmap(fn)
        return fn(*[torch.broadcast_to(a, shape) for a in tensors_])

    # On KerasTensors the mapped function records a node (shape traced).
    return _op.op("vectorize")(mapped)


__all__ = _op.public(globals())
