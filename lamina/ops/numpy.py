"""NumPy-style ops on torch tensors; on KerasTensors they record graph nodes.

Names, arguments and defaults follow `keras.ops`.
"""

import builtins

import torch

from lamina.graph.symbolic import symbolic_aware
from lamina.ops.core import _tensor
from lamina.ops.core import convert_to_tensor
from lamina.utils.dtypes import to_torch_dtype


def _pair(x1, x2):
    if not isinstance(x1, torch.Tensor) and isinstance(x2, torch.Tensor):
        return x1, x2
    if isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        return x1, x2
    return _tensor(x1), _tensor(x2)


def _binary(name, torch_fn):
    def op(x1, x2):
        a, b = _pair(x1, x2)
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, device=b.device)
        return torch_fn(a, b)

    op.__name__ = name
    op.__doc__ = f"Element-wise `{name}` with broadcasting."
    return symbolic_aware(name)(op)


def _unary(name, torch_fn):
    def op(x):
        return torch_fn(_tensor(x))

    op.__name__ = name
    op.__doc__ = f"Element-wise `{name}`."
    return symbolic_aware(name)(op)


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
abs = _unary("abs", torch.abs)  # noqa: A001
absolute = abs
exp = _unary("exp", torch.exp)
expm1 = _unary("expm1", torch.expm1)
log = _unary("log", torch.log)
log1p = _unary("log1p", torch.log1p)
log2 = _unary("log2", torch.log2)
log10 = _unary("log10", torch.log10)
sqrt = _unary("sqrt", torch.sqrt)
rsqrt = _unary("rsqrt", torch.rsqrt)
square = _unary("square", torch.square)
sign = _unary("sign", torch.sign)
floor = _unary("floor", torch.floor)
ceil = _unary("ceil", torch.ceil)
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
imag = _unary("imag", torch.imag)


@symbolic_aware("round")
def round(x, decimals=0):  # noqa: A001
    return torch.round(_tensor(x), decimals=decimals)


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
    return symbolic_aware(name)(op)


def _mean(x, dim=None, keepdim=False):
    if not x.is_floating_point() and not x.is_complex():
        x = x.to(to_torch_dtype("float32"))
    return torch.mean(x) if dim is None else torch.mean(x, dim, keepdim)


def _amax_or_all(fn):
    def reduce(x, dim=None, keepdim=False):
        return fn(x) if dim is None else fn(x, dim=dim, keepdim=keepdim)

    return reduce


sum = _reduction("sum", lambda x, dim=None, keepdim=False: torch.sum(x) if  # noqa: A001
                 dim is None else torch.sum(x, dim, keepdim))
mean = _reduction("mean", _mean)
max = _reduction("max", _amax_or_all(torch.amax))  # noqa: A001
amax = max
min = _reduction("min", _amax_or_all(torch.amin))  # noqa: A001
amin = min
prod = _reduction("prod", lambda x, dim=None, keepdim=False: torch.prod(x) if
                  dim is None else _prod_axes(x, dim, keepdim))
all = _reduction("all", lambda x, dim=None, keepdim=False: torch.all(x) if  # noqa: A001
                 dim is None else torch.all(x, dim=dim, keepdim=keepdim))
any = _reduction("any", lambda x, dim=None, keepdim=False: torch.any(x) if  # noqa: A001
                 dim is None else torch.any(x, dim=dim, keepdim=keepdim))


def _prod_axes(x, dims, keepdim):
    dims = dims if isinstance(dims, tuple) else (dims,)
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = torch.prod(x, d, keepdim)
    return x


@symbolic_aware("var")
def var(x, axis=None, keepdims=False):
    x = _tensor(x)
    return torch.var(x, dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_aware("std")
def std(x, axis=None, keepdims=False):
    x = _tensor(x)
    return torch.std(x, dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_aware("argmax")
def argmax(x, axis=None, keepdims=False):
    return torch.argmax(_tensor(x), dim=axis, keepdim=keepdims)


@symbolic_aware("argmin")
def argmin(x, axis=None, keepdims=False):
    return torch.argmin(_tensor(x), dim=axis, keepdim=keepdims)


@symbolic_aware("cumsum")
def cumsum(x, axis=None, dtype=None):
    x = _tensor(x)
    if axis is None:
        x, axis = x.flatten(), 0
    return torch.cumsum(x, dim=axis)


@symbolic_aware("cumprod")
def cumprod(x, axis=None, dtype=None):
    x = _tensor(x)
    if axis is None:
        x, axis = x.flatten(), 0
    return torch.cumprod(x, dim=axis)


@symbolic_aware("matmul")
def matmul(x1, x2):
    return torch.matmul(_tensor(x1), _tensor(x2))


@symbolic_aware("dot")
def dot(x1, x2):
    x1, x2 = _tensor(x1), _tensor(x2)
    if x1.dim() == 0 or x2.dim() == 0:
        return x1 * x2
    if x2.dim() == 1:
        return torch.matmul(x1, x2)
    return torch.tensordot(x1, x2, dims=([-1], [-2]))


@symbolic_aware("einsum")
def einsum(subscripts, *operands):
    return torch.einsum(subscripts, *[_tensor(x) for x in operands])


@symbolic_aware("tensordot")
def tensordot(x1, x2, axes=2):
    return torch.tensordot(_tensor(x1), _tensor(x2), dims=axes)


@symbolic_aware("concatenate")
def concatenate(xs, axis=0):
    return torch.cat([_tensor(x) for x in xs], dim=axis)


@symbolic_aware("stack")
def stack(x, axis=0):
    return torch.stack([_tensor(v) for v in x], dim=axis)


@symbolic_aware("split")
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
def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(_tensor(x), tuple(newshape))


@symbolic_aware("expand_dims")
def expand_dims(x, axis):
    x = _tensor(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    rank = x.dim() + len(axes)
    for a in sorted(a % rank for a in axes):
        x = x.unsqueeze(a)
    return x


@symbolic_aware("squeeze")
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
def transpose(x, axes=None):
    x = _tensor(x)
    if axes is None:
        axes = tuple(reversed(range(x.dim())))
    return x.permute(*axes)


@symbolic_aware("swapaxes")
def swapaxes(x, axis1, axis2):
    return torch.swapaxes(_tensor(x), axis1, axis2)


@symbolic_aware("moveaxis")
def moveaxis(x, source, destination):
    return torch.movedim(_tensor(x), source, destination)


@symbolic_aware("flip")
def flip(x, axis=None):
    x = _tensor(x)
    axes = range(x.dim()) if axis is None else (
        axis if isinstance(axis, (list, tuple)) else [axis])
    return torch.flip(x, dims=tuple(axes))


@symbolic_aware("tile")
def tile(x, repeats):
    return torch.tile(_tensor(x), tuple(repeats) if isinstance(
        repeats, (list, tuple)) else (repeats,))


@symbolic_aware("repeat")
def repeat(x, repeats, axis=None):
    return torch.repeat_interleave(_tensor(x), repeats, dim=axis)


@symbolic_aware("clip")
def clip(x, x_min, x_max):
    return torch.clamp(_tensor(x), x_min, x_max)


@symbolic_aware("where")
def where(condition, x1=None, x2=None):
    condition = _tensor(condition)
    if x1 is None and x2 is None:
        return torch.nonzero(condition, as_tuple=True)
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` must either both be None or both be given. "
            f"Received: x1={x1}, x2={x2}"
        )
    x1, x2 = _pair(x1, x2)
    return torch.where(condition.bool(), x1, x2)


@symbolic_aware("sort")
def sort(x, axis=-1):
    return torch.sort(_tensor(x), dim=axis).values


@symbolic_aware("argsort")
def argsort(x, axis=-1):
    return torch.argsort(_tensor(x), dim=axis)


@symbolic_aware("pad")
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
def linspace(start, stop, num=50, endpoint=True, dtype=None):
    if not endpoint:
        step = (stop - start) / num
        stop = stop - step
    return torch.linspace(start, stop, num,
                          dtype=to_torch_dtype(dtype or "float32"))


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    kwargs = {"dtype": to_torch_dtype(dtype)} if dtype else {}
    return convert_to_tensor(torch.arange(start, stop, step, **kwargs))


def zeros(shape, dtype=None):
    return convert_to_tensor(torch.zeros(tuple(shape) if not isinstance(
        shape, int) else (shape,), dtype=to_torch_dtype(dtype)))


def ones(shape, dtype=None):
    return convert_to_tensor(torch.ones(tuple(shape) if not isinstance(
        shape, int) else (shape,), dtype=to_torch_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    return convert_to_tensor(torch.full(tuple(shape), fill_value,
                                        dtype=to_torch_dtype(dtype)))


def eye(n, m=None, k=0, dtype=None):
    matrix = torch.eye(n, m if m is not None else n,
                       dtype=to_torch_dtype(dtype))
    if k:
        matrix = torch.roll(matrix, shifts=k, dims=1)
    return convert_to_tensor(matrix)


@symbolic_aware("zeros_like")
def zeros_like(x, dtype=None):
    x = _tensor(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("ones_like")
def ones_like(x, dtype=None):
    x = _tensor(x)
    return torch.ones_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("full_like")
def full_like(x, fill_value, dtype=None):
    x = _tensor(x)
    return torch.full_like(x, fill_value,
                           dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic_aware("take")
def take(x, indices, axis=None):
    x, indices = _tensor(x), _tensor(indices).long()
    if axis is None:
        return x.flatten()[indices]
    return torch.index_select(x, axis, indices.flatten()).reshape(
        x.shape[:axis % x.dim()] + indices.shape + x.shape[axis % x.dim() + 1:]
    )


@symbolic_aware("take_along_axis")
def take_along_axis(x, indices, axis=None):
    return torch.take_along_dim(_tensor(x), _tensor(indices).long(), dim=axis)


@symbolic_aware("count_nonzero")
def count_nonzero(x, axis=None):
    return torch.count_nonzero(_tensor(x), dim=axis)


@symbolic_aware("nan_to_num")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return torch.nan_to_num(_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


@symbolic_aware("tril")
def tril(x, k=0):
    return torch.tril(_tensor(x), diagonal=k)


@symbolic_aware("triu")
def triu(x, k=0):
    return torch.triu(_tensor(x), diagonal=k)


@symbolic_aware("outer")
def outer(x1, x2):
    return torch.outer(_tensor(x1).flatten(), _tensor(x2).flatten())


@symbolic_aware("diag")
def diag(x, k=0):
    return torch.diag(_tensor(x), diagonal=k)


@symbolic_aware("average")
def average(x, axis=None, weights=None):
    x = _tensor(x)
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=axis)
    weights = _tensor(weights).to(x.dtype)
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
    return builtins.int(_tensor(x).numel())
