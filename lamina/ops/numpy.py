"""NumPy-style ops on torch tensors; on KerasTensors they record graph nodes.

Names, arguments, defaults and result dtypes follow `keras.ops` (the dtype
rules are in `_dtypes`). This module holds the math: element-wise ops,
reductions, products; array creation, shapes and indexing live in
`_arrays` and are re-exported here, so `lamina.ops.numpy` is Keras's
`keras.ops.numpy` namespace.
"""

import builtins

import torch

from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _dtypes
from lamina.ops._arrays import (  # noqa: F401 (re-exported)
    arange, argsort, concatenate, diag, expand_dims, eye, flip, full,
    full_like, linspace, moveaxis, ones, ones_like, pad, repeat, reshape, sort,
    split, squeeze, stack, swapaxes, take, take_along_axis, tile, transpose,
    tril, triu, zeros, zeros_like,
)
from lamina.ops.core import _tensor
from lamina.ops.core import cast
from lamina.utils.dtypes import to_torch_dtype


def _pair(x1, x2):
    """Both as tensors, except that a Python number next to a tensor stays
    a number (a weak type: `int32_tensor + 1.5` is float32, `+ 1` int32)."""
    if isinstance(x1, (int, float, bool)) and isinstance(x2, torch.Tensor):
        return x1, x2
    if isinstance(x2, (int, float, bool)) and isinstance(x1, torch.Tensor):
        return x1, x2
    x1 = _tensor(x1)
    x2 = x2 if isinstance(x2, (int, float, bool)) else _tensor(x2)
    return x1, x2


def _binary(name, torch_fn):
    def op(x1, x2):
        a, b = _pair(x1, x2)
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, device=b.device)
        if not isinstance(b, torch.Tensor):
            b = torch.as_tensor(b, device=a.device)
        return torch_fn(a, b)

    op.__name__ = name
    op.__doc__ = f"Element-wise `{name}` with broadcasting."
    return symbolic_aware(name)(_dtypes.explain_dtype_errors(name)(op))


def _unary(name, torch_fn):
    def op(x):
        return torch_fn(_tensor(x))

    op.__name__ = name
    op.__doc__ = f"Element-wise `{name}`."
    return symbolic_aware(name)(_dtypes.explain_dtype_errors(name)(op))


add = _binary("add", torch.add)
subtract = _binary("subtract", torch.sub)
multiply = _binary("multiply", torch.mul)
divide = _binary("divide", torch.true_divide)
true_divide = divide
floor_divide = _binary("floor_divide", torch.floor_divide)
mod = _binary("mod", torch.remainder)
power = _binary("power", torch.pow)
maximum = _binary("maximum", torch.maximum)
minimum = _binary("minimum", torch.minimum)
equal = _binary("equal", torch.eq)
not_equal = _binary("not_equal", torch.ne)
less = _binary("less", torch.lt)
less_equal = _binary("less_equal", torch.le)
greater = _binary("greater", torch.gt)
greater_equal = _binary("greater_equal", torch.ge)
logical_and = _binary("logical_and", torch.logical_and)
logical_or = _binary("logical_or", torch.logical_or)
logical_xor = _binary("logical_xor", torch.logical_xor)
arctan2 = _binary("arctan2", torch.atan2)

negative = _unary("negative", torch.neg)
# Bools are their own absolute value (torch has no bool abs kernel).
abs = _unary("abs", lambda x: x if x.dtype == torch.bool else torch.abs(x))  # noqa: A001,E501
absolute = abs
exp = _unary("exp", torch.exp)
expm1 = _unary("expm1", torch.expm1)
log = _unary("log", torch.log)
log1p = _unary("log1p", torch.log1p)
log2 = _unary("log2", torch.log2)
log10 = _unary("log10", torch.log10)
sqrt = _unary("sqrt", torch.sqrt)
rsqrt = _unary("rsqrt", torch.rsqrt)
square = _unary("square", lambda x: torch.square(
    x.to(torch.int32) if x.dtype == torch.bool else x))
sign = _unary("sign", torch.sign)
# Keras rounds integers and bools to floats (floatx).
floor = _unary("floor", lambda x: torch.floor(_dtypes.to_float(x)))
ceil = _unary("ceil", lambda x: torch.ceil(_dtypes.to_float(x)))
sin = _unary("sin", torch.sin)
cos = _unary("cos", torch.cos)
tan = _unary("tan", torch.tan)
arcsin = _unary("arcsin", torch.asin)
arccos = _unary("arccos", torch.acos)
arctan = _unary("arctan", torch.atan)
sinh = _unary("sinh", torch.sinh)
cosh = _unary("cosh", torch.cosh)
tanh = _unary("tanh", torch.tanh)
reciprocal = _unary("reciprocal", torch.reciprocal)
logical_not = _unary("logical_not", torch.logical_not)
isnan = _unary("isnan", torch.isnan)
isinf = _unary("isinf", torch.isinf)
isfinite = _unary("isfinite", torch.isfinite)
conj = _unary("conj", torch.conj)
real = _unary("real", torch.real)


@symbolic_aware("imag")
def imag(x):
    """The imaginary part of a complex tensor."""
    x = _tensor(x)
    if not x.is_complex():
        raise TypeError(
            "ops.imag takes a complex tensor (Keras raises for real ones "
            f"too). Received: x.dtype={str(x.dtype).replace('torch.', '')}"
        )
    return torch.imag(x)


@symbolic_aware("round")
@_dtypes.explain_dtype_errors("round")
def round(x, decimals=0):  # noqa: A001
    x = _tensor(x)
    if x.dtype == torch.bool:
        raise TypeError(
            "ops.round does not take bool tensors (Keras raises too). "
            "Received: x.dtype=bool"
        )
    if x.is_floating_point() or x.is_complex():
        return torch.round(x, decimals=decimals)
    # Integers round through floats (negative `decimals` round to tens,
    # hundreds, ...) and keep their dtype.
    return torch.round(x.to(_dtypes.floatx()), decimals=decimals).to(x.dtype)


def _axis(axis):
    if axis is None:
        return None
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _reduction(name, torch_fn):
    def op(x, axis=None, keepdims=False):
        x = _tensor(x)
        axis = _axis(axis)
        if axis is None:
            result = torch_fn(x)
            return result.reshape([1] * x.dim()) if keepdims else result
        return torch_fn(x, dim=axis, keepdim=keepdims)

    op.__name__ = name
    op.__doc__ = f"`{name}` over `axis` (all axes when None)."
    return symbolic_aware(name)(_dtypes.explain_dtype_errors(name)(op))


def _mean(x, dim=None, keepdim=False):
    if not x.is_floating_point() and not x.is_complex():
        x = x.to(to_torch_dtype("float32"))
    return torch.mean(x) if dim is None else torch.mean(x, dim, keepdim)


def _sum(x, dim=None, keepdim=False):
    dtype = _dtypes.accumulation_dtype(x.dtype)
    if dim is None:
        return torch.sum(x, dtype=dtype)
    return torch.sum(x, dim, keepdim, dtype=dtype)


def _prod(x, dim=None, keepdim=False):
    dtype = _dtypes.accumulation_dtype(x.dtype)
    if dim is None:
        return torch.prod(x, dtype=dtype)
    dims = dim if isinstance(dim, tuple) else (dim,)
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = torch.prod(x, d, keepdim, dtype=dtype)
    return x


def _amax_or_all(fn):
    def reduce(x, dim=None, keepdim=False):
        return fn(x) if dim is None else fn(x, dim=dim, keepdim=keepdim)

    return reduce


sum = _reduction("sum", _sum)  # noqa: A001
mean = _reduction("mean", _mean)
_max = _reduction("max", _amax_or_all(torch.amax))
_min = _reduction("min", _amax_or_all(torch.amin))
_prod_op = _reduction("prod", _prod)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The largest value over `axis`, and at least `initial` if given."""
    out = _max(x, axis, keepdims)
    return out if initial is None else maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """The smallest value over `axis`, and at most `initial` if given."""
    out = _min(x, axis, keepdims)
    return out if initial is None else minimum(out, initial)


def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over `axis`, in `dtype` when given."""
    out = _prod_op(x, axis, keepdims)
    return out if dtype is None else cast(out, dtype)


amax = _max
amin = _min
def _logical(torch_fn):
    # Always bool (torch keeps uint8 for uint8 inputs).
    def reduce(x, dim=None, keepdim=False):
        out = torch_fn(x) if dim is None else torch_fn(x, dim=dim,
                                                       keepdim=keepdim)
        return out if out.dtype == torch.bool else out.to(torch.bool)

    return reduce


all = _reduction("all", _logical(torch.all))  # noqa: A001
any = _reduction("any", _logical(torch.any))  # noqa: A001


@symbolic_aware("var")
@_dtypes.explain_dtype_errors("var")
def var(x, axis=None, keepdims=False):
    x = _dtypes.to_float(_tensor(x))
    return torch.var(x, dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_aware("std")
@_dtypes.explain_dtype_errors("std")
def std(x, axis=None, keepdims=False):
    x = _dtypes.to_float(_tensor(x))
    return torch.std(x, dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_aware("argmax")
@_dtypes.explain_dtype_errors("argmax")
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (the first on ties), as int32."""
    return torch.argmax(_dtypes.sortable(_tensor(x)), dim=axis,
                        keepdim=keepdims).to(torch.int32)


@symbolic_aware("argmin")
@_dtypes.explain_dtype_errors("argmin")
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value (the first on ties), as int32."""
    return torch.argmin(_dtypes.sortable(_tensor(x)), dim=axis,
                        keepdim=keepdims).to(torch.int32)


def _cumulative(torch_fn, x, axis, dtype):
    x = _tensor(x)
    if axis is None:
        x, axis = x.flatten(), 0
    if dtype is not None:
        result_dtype = to_torch_dtype(dtype)
    else:
        result_dtype = torch.int32 if x.dtype == torch.bool else x.dtype
    return torch_fn(x, dim=axis, dtype=result_dtype)


@symbolic_aware("cumsum")
@_dtypes.explain_dtype_errors("cumsum")
def cumsum(x, axis=None, dtype=None):
    return _cumulative(torch.cumsum, x, axis, dtype)


@symbolic_aware("cumprod")
@_dtypes.explain_dtype_errors("cumprod")
def cumprod(x, axis=None, dtype=None):
    return _cumulative(torch.cumprod, x, axis, dtype)


def _products(torch_fn, x1, x2, int8_to_int32=False):
    """Runs a matrix product in a dtype torch has kernels for (bools in
    floatx; integers too on GPUs) and returns Keras's result dtype."""
    x1, x2 = _tensor(x1), _tensor(x2)
    result = torch.promote_types(x1.dtype, x2.dtype)
    if int8_to_int32 and x1.dtype == x2.dtype == torch.int8:
        result = torch.int32
    compute = result
    if result == torch.bool or (
        x1.device.type != "cpu" and not (result.is_floating_point or
                                         result.is_complex)
    ):
        compute = _dtypes.floatx()
    out = torch_fn(x1.to(compute), x2.to(compute))
    if result == torch.bool:
        return out != 0
    return out.to(result)


def _dot(x1, x2):
    if x1.dim() == 0 or x2.dim() == 0:
        return x1 * x2
    if x2.dim() == 1:
        return torch.matmul(x1, x2)
    return torch.tensordot(x1, x2, dims=([-1], [-2]))


@symbolic_aware("matmul")
@_dtypes.explain_dtype_errors("matmul")
def matmul(x1, x2):
    return _products(torch.matmul, x1, x2, int8_to_int32=True)


@symbolic_aware("dot")
@_dtypes.explain_dtype_errors("dot")
def dot(x1, x2):
    return _products(_dot, x1, x2)


@symbolic_aware("einsum")
@_dtypes.explain_dtype_errors("einsum")
def einsum(subscripts, *operands, **kwargs):
    if kwargs:
        raise TypeError(f"ops.einsum got unexpected keyword arguments "
                        f"{sorted(kwargs)}")
    operands = [_tensor(x) for x in operands]
    if builtins.all(x.dtype == torch.int8 for x in operands):
        # int8 products accumulate in int32, as Keras's.
        operands = [x.to(torch.int32) for x in operands]
    return torch.einsum(subscripts, *operands)


@symbolic_aware("tensordot")
@_dtypes.explain_dtype_errors("tensordot")
def tensordot(x1, x2, axes=2):
    if isinstance(axes, (list, tuple)):
        axes = tuple(a if isinstance(a, (list, tuple)) else (a,)
                     for a in axes)
    return _products(lambda a, b: torch.tensordot(a, b, dims=axes), x1, x2)


@symbolic_aware("clip")
@_dtypes.explain_dtype_errors("clip")
def clip(x, x_min, x_max):
    x = _tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clamp(x, x_min, x_max)


@symbolic_aware("where")
@_dtypes.explain_dtype_errors("where")
def where(condition, x1=None, x2=None):
    condition = _tensor(condition)
    if x1 is None and x2 is None:
        # One row of indices per axis, as Keras's torch backend returns.
        return torch.stack(torch.where(condition.bool()), dim=0)
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` must either both be None or both be given. "
            f"Received: x1={x1}, x2={x2}"
        )
    x1, x2 = _pair(x1, x2)
    return torch.where(condition.bool(), x1, x2)


@symbolic_aware("count_nonzero")
@_dtypes.explain_dtype_errors("count_nonzero")
def count_nonzero(x, axis=None):
    return torch.count_nonzero(_tensor(x), dim=_axis(axis)).to(torch.int32)


@symbolic_aware("nan_to_num")
@_dtypes.explain_dtype_errors("nan_to_num")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


from lamina.ops._arrays_more import *  # noqa: E402,F401,F403
from lamina.ops._elementwise import *  # noqa: E402,F401,F403
from lamina.ops._statistics import *  # noqa: E402,F401,F403
from lamina.ops.core import get_item  # noqa: E402,F401
from lamina.ops.linalg import slogdet  # noqa: E402,F401

# The ops only: module helpers stay out of `from lamina.ops.numpy import *`.
__all__ = [n for n, v in list(globals().items()) if callable(v) and not (
    n.startswith("_") or n in ("cast", "symbolic_aware", "to_torch_dtype")
    or isinstance(v, type(builtins)))]
