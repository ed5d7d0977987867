"""NumPy-style ops on torch tensors; on KerasTensors they record graph nodes.

Names, arguments and defaults follow `keras.ops`.
"""

import builtins

import torch

from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _dtypes
from lamina.ops.core import _tensor
from lamina.ops.core import convert_to_tensor
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
max = _reduction("max", _amax_or_all(torch.amax))  # noqa: A001
amax = max
min = _reduction("min", _amax_or_all(torch.amin))  # noqa: A001
amin = min
prod = _reduction("prod", _prod)
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


def _comparable(x):
    # torch's arg-reductions and sorts have no bool kernels.
    x = _tensor(x)
    return x.to(torch.uint8) if x.dtype == torch.bool else x


@symbolic_aware("argmax")
@_dtypes.explain_dtype_errors("argmax")
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (the first on ties), as int32."""
    return torch.argmax(_comparable(x), dim=axis,
                        keepdim=keepdims).to(torch.int32)


@symbolic_aware("argmin")
@_dtypes.explain_dtype_errors("argmin")
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value (the first on ties), as int32."""
    return torch.argmin(_comparable(x), dim=axis,
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
def einsum(subscripts, *operands):
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
    x = _comparable(x)
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
def linspace(start, stop, num=50, endpoint=True, dtype=None):
    if not endpoint:
        step = (stop - start) / num
        stop = stop - step
    return torch.linspace(start, stop, num,
                          dtype=to_torch_dtype(dtype or "float32"))


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


def eye(n, m=None, k=0, dtype=None):
    """Ones on diagonal `k` (above the main one when k > 0)."""
    m = n if m is None else m
    ones = torch.ones(n, m, dtype=to_torch_dtype(dtype))
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


@symbolic_aware("count_nonzero")
@_dtypes.explain_dtype_errors("count_nonzero")
def count_nonzero(x, axis=None):
    return torch.count_nonzero(_tensor(x), dim=_axis(axis)).to(torch.int32)


@symbolic_aware("nan_to_num")
@_dtypes.explain_dtype_errors("nan_to_num")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


@symbolic_aware("tril")
@_dtypes.explain_dtype_errors("tril")
def tril(x, k=0):
    return torch.tril(_tensor(x), diagonal=k)


@symbolic_aware("triu")
@_dtypes.explain_dtype_errors("triu")
def triu(x, k=0):
    return torch.triu(_tensor(x), diagonal=k)


@symbolic_aware("outer")
@_dtypes.explain_dtype_errors("outer")
def outer(x1, x2):
    return torch.outer(_tensor(x1).flatten(), _tensor(x2).flatten())


@symbolic_aware("diag")
@_dtypes.explain_dtype_errors("diag")
def diag(x, k=0):
    return torch.diag(_tensor(x), diagonal=k)


@symbolic_aware("average")
@_dtypes.explain_dtype_errors("average")
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


def size(x):
    """The number of elements, as an int64 scalar tensor (as Keras)."""
    return torch.tensor(_tensor(x).numel(), dtype=torch.int64,
                        device=_tensor(x).device)
