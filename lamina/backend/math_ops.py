"""Keras 2's `keras.backend` math, with its signatures and defaults
(`axis=None`, `keepdims=False`, `argmax(x, axis=-1)`, `concatenate(...,
axis=-1)`), on torch tensors."""

import functools

import torch
import torch.nn.functional as F

from lamina import config
from lamina.graph import Operation
from lamina.graph import any_symbolic
from lamina.ops import core as ops_core
from lamina.utils.dtypes import to_torch_dtype


def _graph_aware(fn):
    """On KerasTensors (functional model code, as Keras 2 allowed), records
    a graph node instead of computing. The node is named `backend_<name>`:
    these functions keep Keras 2's defaults, so they are not `keras.ops`."""
    op_name = f"backend_{fn.__name__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if any_symbolic(args, kwargs):
            return Operation(fn, op_name)(*args, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _t(x):
    return ops_core.convert_to_tensor(x)


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _reduce(torch_fn, x, axis, keepdims):
    if axis is None:
        out = torch_fn(x)
        return out.reshape((1,) * x.dim()) if keepdims else out
    return torch_fn(x, dim=_dims(axis), keepdim=keepdims)


def _floats(x):
    x = _t(x)
    return x if x.is_floating_point() else x.to(to_torch_dtype(config.floatx()))


def _elementwise(name, torch_fn):
    """The graph-aware Keras 2 function `name(x)`: `torch_fn` on `x` as a
    tensor."""
    def fn(x):
        return torch_fn(_t(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Element-wise `torch.{torch_fn.__name__}` of `x`."
    return _graph_aware(fn)


def _pairwise(name, torch_fn):
    """The graph-aware Keras 2 function `name(x, y)`: `torch_fn` on `x` and
    `y` as tensors (broadcast)."""
    def fn(x, y):
        return torch_fn(_t(x), _t(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Element-wise `torch.{torch_fn.__name__}` of `x` and `y`."
    return _graph_aware(fn)


def _arg_reduce(torch_fn, x, axis):
    """`argmax`/`argmin` along `axis`, booleans compared as 0/1."""
    x = _t(x)
    return torch_fn(x.to(torch.uint8) if x.dtype == torch.bool else x,
                    dim=axis)


# Reductions ---------------------------------------------------------------
@_graph_aware
def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce(torch.sum, _t(x), axis, keepdims)


@_graph_aware
def prod(x, axis=None, keepdims=False):
    x = _t(x)
    if axis is None or isinstance(axis, int):
        return _reduce(torch.prod, x, axis, keepdims)
    for a in sorted((a % x.dim() for a in axis), reverse=True):
        x = torch.prod(x, a, keepdim=keepdims)
    return x


@_graph_aware
def mean(x, axis=None, keepdims=False):
    return _reduce(torch.mean, _floats(x), axis, keepdims)


@_graph_aware
def max(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce(torch.amax, _t(x), axis, keepdims)


@_graph_aware
def min(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce(torch.amin, _t(x), axis, keepdims)


@_graph_aware
def var(x, axis=None, keepdims=False):
    return torch.var(_floats(x), dim=_dims(axis), keepdim=keepdims,
                     correction=0)


@_graph_aware
def std(x, axis=None, keepdims=False):
    return torch.std(_floats(x), dim=_dims(axis), keepdim=keepdims,
                     correction=0)


@_graph_aware
def any(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce(torch.any, _t(x).bool(), axis, keepdims)


@_graph_aware
def all(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce(torch.all, _t(x).bool(), axis, keepdims)


@_graph_aware
def logsumexp(x, axis=None, keepdims=False):
    x = _floats(x)
    dims = tuple(range(x.dim())) if axis is None else _dims(axis)
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@_graph_aware
def argmax(x, axis=-1):
    return _arg_reduce(torch.argmax, x, axis)


@_graph_aware
def argmin(x, axis=-1):
    return _arg_reduce(torch.argmin, x, axis)


@_graph_aware
def cumsum(x, axis=0):
    return torch.cumsum(_t(x), dim=axis)


@_graph_aware
def cumprod(x, axis=0):
    return torch.cumprod(_t(x), dim=axis)


# Element-wise -------------------------------------------------------------
square = _elementwise("square", torch.square)
exp = _elementwise("exp", torch.exp)
log = _elementwise("log", torch.log)
abs = _elementwise("abs", torch.abs)  # noqa: A001
sign = _elementwise("sign", torch.sign)
round = _elementwise("round", torch.round)  # noqa: A001
sin = _elementwise("sin", torch.sin)
cos = _elementwise("cos", torch.cos)

equal = _pairwise("equal", torch.eq)
not_equal = _pairwise("not_equal", torch.ne)
greater = _pairwise("greater", torch.gt)
greater_equal = _pairwise("greater_equal", torch.ge)
less = _pairwise("less", torch.lt)
less_equal = _pairwise("less_equal", torch.le)
maximum = _pairwise("maximum", torch.maximum)
minimum = _pairwise("minimum", torch.minimum)


@_graph_aware
def sqrt(x):
    """Square root, with negative inputs clipped to 0 first (Keras 2)."""
    return torch.sqrt(torch.clamp(_floats(x), min=0))


@_graph_aware
def pow(x, a):  # noqa: A001
    return torch.pow(_t(x), a)


@_graph_aware
def clip(x, min_value, max_value):
    """Clamps to [min_value, max_value]; None is unbounded, and a
    `max_value` below `min_value` is raised to it (Keras 2)."""
    if isinstance(min_value, (int, float)) and \
            isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    return torch.clamp(_t(x), min_value, max_value)


# Products -----------------------------------------------------------------
@_graph_aware
def dot(x, y):
    """Matrix product; for n-d inputs, sums the last axis of `x` with the
    second-to-last of `y` (shape `x[:-1] + y[:-2] + y[-1:]`)."""
    x, y = _t(x), _t(y)
    if x.dim() > 2 or y.dim() > 2:
        return torch.tensordot(x, y, dims=([-1], [-2 if y.dim() > 1 else -1]))
    return torch.matmul(x, y)


@_graph_aware
def batch_dot(x, y, axes=None):
    """Per-sample dot product of `x[i]` and `y[i]` over `axes` (axis 0 is
    the batch); a rank-1 result is returned as `(batch, 1)`."""
    x, y = _t(x), _t(y)
    if x.dim() < 2 or y.dim() < 2:
        raise ValueError(
            "batch_dot() needs inputs of rank >= 2. Received shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    if axes is None:
        axes = (x.dim() - 1, y.dim() - 1 if y.dim() == 2 else y.dim() - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    x_axis, y_axis = axes[0] % x.dim(), axes[1] % y.dim()
    if 0 in (x_axis, y_axis) or x.shape[x_axis] != y.shape[y_axis]:
        raise ValueError(
            "batch_dot() sums one non-batch axis of each input, of the same "
            f"size. Received axes={tuple(axes)} for shapes {tuple(x.shape)} "
            f"and {tuple(y.shape)}"
        )
    x = torch.movedim(x, x_axis, -1)
    y = torch.movedim(y, y_axis, 1)
    x_rest, y_rest = x.shape[1:-1], y.shape[2:]
    out = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]),
                    y.reshape(y.shape[0], y.shape[1], -1))
    out = out.reshape((x.shape[0],) + x_rest + y_rest)
    return out.reshape(-1, 1) if out.dim() == 1 else out


@_graph_aware
def transpose(x):
    """Reverses all axes."""
    x = _t(x)
    return x.permute(*reversed(range(x.dim())))


@_graph_aware
def permute_dimensions(x, pattern):
    return _t(x).permute(*pattern)


# Shapes -------------------------------------------------------------------
@_graph_aware
def concatenate(tensors, axis=-1):
    return torch.cat([_t(x) for x in tensors], dim=axis)


@_graph_aware
def stack(x, axis=0):
    return torch.stack([_t(v) for v in x], dim=axis)


@_graph_aware
def reshape(x, shape):
    return torch.reshape(_t(x), tuple(shape))


@_graph_aware
def expand_dims(x, axis=-1):
    return torch.unsqueeze(_t(x), axis)


@_graph_aware
def squeeze(x, axis):
    return torch.squeeze(_t(x), axis)


@_graph_aware
def flatten(x):
    return torch.reshape(_t(x), (-1,))


@_graph_aware
def batch_flatten(x):
    """(batch, ...) to (batch, features)."""
    x = _t(x)
    return torch.reshape(x, (x.shape[0], -1))


@_graph_aware
def tile(x, n):
    return torch.tile(_t(x), (n,) if isinstance(n, int) else tuple(n))


@_graph_aware
def repeat(x, n):
    """(batch, features) to (batch, n, features), as RepeatVector."""
    x = _t(x)
    if x.dim() != 2:
        raise ValueError(
            f"repeat() expects a rank-2 input. Received shape {tuple(x.shape)}"
        )
    return x.unsqueeze(1).expand(-1, n, -1).clone()


@_graph_aware
def repeat_elements(x, rep, axis):
    return torch.repeat_interleave(_t(x), rep, dim=axis)


@_graph_aware
def reverse(x, axes):
    return torch.flip(_t(x), dims=(axes,) if isinstance(axes, int)
                      else tuple(axes))


@_graph_aware
def gather(reference, indices):
    """Rows of `reference` (axis 0) at `indices`."""
    return _t(reference)[_t(indices).long()]


@_graph_aware
def one_hot(indices, num_classes):
    return F.one_hot(_t(indices).long(), num_classes).to(
        to_torch_dtype("float32"))


@_graph_aware
def switch(condition, then_expression, else_expression):
    """`then_expression` where `condition` holds, else `else_expression`. A
    scalar condition picks one (callables are called); a tensor condition
    selects element-wise, aligned from the first axis."""
    condition = _t(condition).bool()
    if condition.dim() == 0:
        chosen = then_expression if bool(condition) else else_expression
        return chosen() if callable(chosen) else chosen
    then_value = _t(then_expression() if callable(then_expression)
                    else then_expression)
    else_value = _t(else_expression() if callable(else_expression)
                    else else_expression)
    extra = then_value.dim() - condition.dim()
    if extra < 0:
        raise ValueError(
            "switch(): `condition` must not have a higher rank than the "
            f"expressions. Received ranks {condition.dim()} and "
            f"{then_value.dim()}"
        )
    condition = condition.reshape(condition.shape + (1,) * extra)
    return torch.where(condition, then_value, else_value)


@_graph_aware
def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [_t(v).detach() for v in variables]
    return _t(variables).detach()
