"""Keras 2's `keras.backend` variables, values and shapes, on torch tensors.

`variable`, `zeros`, `ones` and `eye` make Lamina `Variable`s (trainable
torch parameters); `get_value`/`eval` return NumPy copies; `set_value`
writes in place, so `K.set_value(model.optimizer.learning_rate, 1e-4)`
changes the rate the optimizer reads.
"""

import numpy as np
import torch

from lamina import config
from lamina.backend.math_ops import _graph_aware
from lamina.layers.variable import Variable
from lamina.layers.variable import to_numpy
from lamina.ops import core as ops_core
from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype


def _tensor(x, dtype=None):
    return ops_core.convert_to_tensor(x, dtype=dtype)


def variable(value, dtype=None, name=None, constraint=None):
    """A trainable `Variable` holding `value` (dtype floatx by default)."""
    data = torch.as_tensor(
        np.asarray(value) if not torch.is_tensor(value) else value.detach(),
        dtype=to_torch_dtype(dtype or config.floatx()),
    ).to(config.default_device()).clone()
    trainable = data.is_floating_point() or data.is_complex()
    return Variable(data, trainable=trainable,
                    name=name or naming.uniquify("variable"),
                    constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A tensor of `value` (broadcast to `shape` when given)."""
    tensor = _tensor(value, dtype=to_torch_dtype(dtype or config.floatx()))
    if shape is not None:
        tensor = tensor.expand(tuple(shape)).clone()
    return tensor


def zeros(shape, dtype=None, name=None):
    return variable(torch.zeros(tuple(shape)), dtype=dtype, name=name)


def ones(shape, dtype=None, name=None):
    return variable(torch.ones(tuple(shape)), dtype=dtype, name=name)


def eye(size, dtype=None, name=None):
    """An identity-matrix variable; `size` is n or (rows, columns)."""
    rows, columns = (size, size) if isinstance(size, int) else tuple(size)
    return variable(torch.eye(rows, columns), dtype=dtype, name=name)


@_graph_aware
def zeros_like(x, dtype=None, name=None):
    x = _tensor(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@_graph_aware
def ones_like(x, dtype=None, name=None):
    x = _tensor(x)
    return torch.ones_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


def get_value(x):
    """The value of a variable or tensor as a NumPy array (a copy)."""
    if isinstance(x, (int, float, bool, np.ndarray, np.generic)):
        return np.asarray(x)
    if not torch.is_tensor(x):
        raise ValueError(
            "get_value() takes a variable or tensor. Received: "
            f"x={x!r} (of type {type(x).__name__})"
        )
    return to_numpy(x)


def eval(x):  # noqa: A001 (Keras's name)
    """The value of a tensor as a NumPy array."""
    return get_value(x)


def batch_get_value(tensors):
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Writes `value` into the variable `x` in place (same shape)."""
    if not torch.is_tensor(x):
        raise ValueError(
            "set_value() writes into a variable (a torch tensor, e.g. a "
            f"weight or `optimizer.learning_rate`). Received: x={x!r} (of "
            f"type {type(x).__name__})"
        )
    source = torch.as_tensor(np.asarray(value) if not torch.is_tensor(value)
                             else value)
    if tuple(source.shape) != tuple(x.shape):
        raise ValueError(
            f"set_value(): the value's shape {tuple(source.shape)} does not "
            f"match the variable's shape {tuple(x.shape)}."
        )
    with torch.no_grad():
        x.copy_(source)


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x):
    set_value(x, new_x)
    return x


def update_add(x, increment):
    with torch.no_grad():
        x.add_(_tensor(increment).to(x.device))
    return x


def update_sub(x, decrement):
    with torch.no_grad():
        x.sub_(_tensor(decrement).to(x.device))
    return x


def int_shape(x):
    """The shape as a tuple of ints (None for unknown dimensions)."""
    if not hasattr(x, "shape"):
        raise ValueError(
            f"int_shape() takes a tensor, variable or array. Received: x={x!r}"
        )
    return tuple(None if d is None else int(d) for d in x.shape)


def shape(x):
    """The shape as an int32 tensor (Keras 2's symbolic shape)."""
    return torch.tensor(tuple(_tensor(x).shape), dtype=torch.int32)


def ndim(x):
    return len(x.shape)


def dtype(x):
    """The dtype's Keras name, e.g. 'float32'."""
    return standardize_dtype(x.dtype)


@_graph_aware
def cast(x, dtype):
    return _tensor(x).to(to_torch_dtype(dtype))


def cast_to_floatx(x):
    return np.asarray(x, dtype=config.floatx())


def count_params(x):
    """The number of scalars in a variable or tensor."""
    return int(np.prod(int_shape(x)))


def is_tensor(x):
    return torch.is_tensor(x)
