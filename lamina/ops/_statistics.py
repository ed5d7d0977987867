"""Order statistics and NaN-ignoring reductions of `keras.ops.numpy`
(median, quantiles, `nan*`). Re-exported by `lamina.ops.numpy`."""

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor
from lamina.utils.dtypes import to_torch_dtype

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _flat_axes(x, axis):
    """`x` with the reduced axes moved last and merged into one."""
    axes = _op.axes_of(axis, x.dim())
    kept = [d for d in range(x.dim()) if d not in axes]
    moved = x.permute(*kept, *axes)
    return moved.reshape(*[x.shape[d] for d in kept], -1), axes


def _keep(result, x, axes, keepdims, leading=0):
    if not keepdims:
        return result
    shape = list(result.shape[:leading]) + [
        1 if d in axes else x.shape[d] for d in range(x.dim())]
    return result.reshape(shape)


def _quantile(x, q, axis, method, keepdims, nan):
    if method not in _METHODS:
        raise ValueError(f"Argument `method` must be one of {_METHODS}. "
                         f"Received: method={method!r}")
    x = _dtypes.to_float(_tensor(x))
    q = _tensor(q).to(x.dtype)
    flat, axes = _flat_axes(x, axis)
    fn = torch.nanquantile if nan else torch.quantile
    result = fn(flat, q, dim=-1, interpolation=method)
    return _keep(result, x, axes, keepdims, leading=q.dim())


@op("quantile")
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, nan=False)


@op("nanquantile")
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, nan=True)


@op("percentile")
def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, _tensor(q) / 100.0, axis, method, keepdims, nan=False)


@op("nanpercentile")
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, _tensor(q) / 100.0, axis, method, keepdims, nan=True)


@op("median")
def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, nan=False)


@op("nanmedian")
def nanmedian(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, nan=True)


@op("ptp")
def ptp(x, axis=None, keepdims=False):
    x = _tensor(x)
    axes = _op.axes_of(axis, x.dim())
    return torch.amax(x, dim=axes, keepdim=keepdims) - torch.amin(
        x, dim=axes, keepdim=keepdims)


def _nan_filled(x, fill):
    x = _tensor(x)
    if not x.is_floating_point():
        return x
    return torch.where(torch.isnan(x), torch.full_like(x, fill), x)


@op("nansum")
def nansum(x, axis=None, keepdims=False):
    x = _nan_filled(x, 0.0)
    axes = _op.axes_of(axis, x.dim())
    return torch.sum(x, dim=axes, keepdim=keepdims,
                     dtype=_dtypes.accumulation_dtype(x.dtype))


@op("nanprod")
def nanprod(x, axis=None, keepdims=False):
    x = _nan_filled(x, 1.0)
    flat, axes = _flat_axes(x, axis)
    out = torch.prod(flat, dim=-1, dtype=_dtypes.accumulation_dtype(x.dtype))
    return _keep(out, x, axes, keepdims)


@op("nanmean")
def nanmean(x, axis=None, keepdims=False):
    x = _dtypes.to_float(_tensor(x))
    return torch.nanmean(x, dim=_op.axes_of(axis, x.dim()), keepdim=keepdims)


@op("nanvar")
def nanvar(x, axis=None, keepdims=False):
    x = _dtypes.to_float(_tensor(x))
    axes = _op.axes_of(axis, x.dim())
    mean = torch.nanmean(x, dim=axes, keepdim=True)
    return torch.nanmean(torch.square(x - mean), dim=axes, keepdim=keepdims)


@op("nanstd")
def nanstd(x, axis=None, keepdims=False):
    return torch.sqrt(nanvar(x, axis, keepdims))


def _nan_extreme(x, axis, keepdims, largest):
    x = _tensor(x)
    if not x.is_floating_point():
        fn = torch.amax if largest else torch.amin
        return fn(x, dim=_op.axes_of(axis, x.dim()), keepdim=keepdims)
    fill = -torch.inf if largest else torch.inf
    filled = _nan_filled(x, fill)
    axes = _op.axes_of(axis, x.dim())
    out = (torch.amax if largest else torch.amin)(filled, dim=axes,
                                                   keepdim=keepdims)
    all_nan = torch.all(torch.isnan(x), dim=axes, keepdim=keepdims)
    return torch.where(all_nan, torch.full_like(out, torch.nan), out)


@op("nanmax")
def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, largest=True)


@op("nanmin")
def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(x, axis, keepdims, largest=False)


def _nan_arg(x, axis, keepdims, largest):
    x = _dtypes.sortable(_tensor(x))
    if x.is_floating_point():
        x = _nan_filled(x, -torch.inf if largest else torch.inf)
    fn = torch.argmax if largest else torch.argmin
    return fn(x, dim=axis, keepdim=keepdims).to(torch.int32)


@op("nanargmax")
def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(x, axis, keepdims, largest=True)


@op("nanargmin")
def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(x, axis, keepdims, largest=False)


def _nan_cumulative(fn, x, axis, dtype, fill):
    x = _nan_filled(x, fill)
    if axis is None:
        x, axis = x.reshape(-1), 0
    out_dtype = to_torch_dtype(dtype) if dtype is not None else (
        torch.int32 if x.dtype == torch.bool else x.dtype)
    return fn(x, dim=axis, dtype=out_dtype)


@op("nancumsum")
def nancumsum(x, axis=None, dtype=None):
    return _nan_cumulative(torch.cumsum, x, axis, dtype, 0.0)


@op("nancumprod")
def nancumprod(x, axis=None, dtype=None):
    return _nan_cumulative(torch.cumprod, x, axis, dtype, 1.0)


@op("argpartition")
def argpartition(x, kth, axis=-1):
    """Indices that partition `x` around its `kth` smallest value: a full
    stable sort (one valid partition), as int32."""
    x = _dtypes.sortable(_tensor(x))
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@op("average")
def average(x, axis=None, weights=None):
    x = _dtypes.to_float(_tensor(x))
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=axis)
    weights = _tensor(weights)
    dtype = torch.promote_types(x.dtype, _dtypes.float_dtype(weights.dtype))
    x, weights = x.to(dtype), weights.to(dtype)
    if axis is not None and weights.dim() == 1:
        shape = [1] * x.dim()
        shape[axis] = -1
        weights = weights.reshape(shape)
    total = torch.sum(x * weights) if axis is None else torch.sum(
        x * weights, dim=axis)
    norm = torch.sum(weights.expand_as(x)) if axis is None else torch.sum(
        weights.expand_as(x), dim=axis)
    return total / norm


@op("size")
def size(x):
    """The number of elements, as an int64 scalar tensor (as Keras)."""
    return torch.tensor(_tensor(x).numel(), dtype=torch.int64,
                        device=_tensor(x).device)


__all__ = _op.public(globals())
