"""Symbolic tensors and the graph they record.

Calling a layer (or a `lamina.ops` function) on a `KerasTensor` records a
`Node` and returns new `KerasTensor`s whose shapes come from the layer's
`compute_output_shape`, or else from running `call` on fake tensors (no
FLOPs, no memory). A `None` dimension is found by running twice with two
different sizes and comparing, as Keras does.
"""

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch._subclasses.fake_tensor import unset_fake_temporarily

from lamina.utils import naming
from lamina.utils import tree
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype

FILL_SIZES = (83, 89)


class KerasTensor:
    """A placeholder with a shape and dtype, used to build functional models."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.sparse = sparse
        self.name = name or naming.uniquify("keras_tensor")
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"sparse={self.sparse}, name={self.name}>"
        )

    def __len__(self):
        raise TypeError(
            "A symbolic KerasTensor has no length. Use `.shape` to read its "
            "dimensions."
        )

    def __iter__(self):
        raise TypeError(
            "A symbolic KerasTensor cannot be iterated. Index it (`x[:, 0]`) or "
            "use `lamina.ops` functions instead."
        )

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no truth value: it is a placeholder "
            "used to build models. Use `lamina.ops.where` or `ops.cond`."
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to NumPy: it holds no "
            "data. Call the model on real data instead."
        )

    # Python operators record graph nodes through `lamina.ops`.
    def _op(self, name, *args):
        from lamina import ops

        return getattr(ops, name)(*args)

    def __add__(self, other): return self._op("add", self, other)
    def __radd__(self, other): return self._op("add", other, self)
    def __sub__(self, other): return self._op("subtract", self, other)
    def __rsub__(self, other): return self._op("subtract", other, self)
    def __mul__(self, other): return self._op("multiply", self, other)
    def __rmul__(self, other): return self._op("multiply", other, self)
    def __truediv__(self, other): return self._op("divide", self, other)
    def __rtruediv__(self, other): return self._op("divide", other, self)
    def __floordiv__(self, other): return self._op("floor_divide", self, other)
    def __rfloordiv__(self, other): return self._op("floor_divide", other, self)
    def __mod__(self, other): return self._op("mod", self, other)
    def __rmod__(self, other): return self._op("mod", other, self)
    def __pow__(self, other): return self._op("power", self, other)
    def __rpow__(self, other): return self._op("power", other, self)
    def __matmul__(self, other): return self._op("matmul", self, other)
    def __rmatmul__(self, other): return self._op("matmul", other, self)
    def __neg__(self): return self._op("negative", self)
    def __pos__(self): return self
    def __abs__(self): return self._op("abs", self)
    def __invert__(self): return self._op("logical_not", self)
    def __lt__(self, other): return self._op("less", self, other)
    def __le__(self, other): return self._op("less_equal", self, other)
    def __gt__(self, other): return self._op("greater", self, other)
    def __ge__(self, other): return self._op("greater_equal", self, other)
    def __and__(self, other): return self._op("logical_and", self, other)
    def __rand__(self, other): return self._op("logical_and", other, self)
    def __or__(self, other): return self._op("logical_or", self, other)
    def __ror__(self, other): return self._op("logical_or", other, self)
    def __getitem__(self, key): return self._op("get_item", self, key)

    @property
    def T(self):
        return self._op("transpose", self)

    def reshape(self, *shape):
        return self._op("reshape", self, shape[0] if len(shape) == 1 else shape)

    def astype(self, dtype):
        return self._op("cast", self, dtype)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def any_symbolic(args, kwargs):
    for value in tree.flatten(list(args)):
        if isinstance(value, KerasTensor):
            return True
    for value in kwargs.values():
        if isinstance(value, KerasTensor) or (
            isinstance(value, (list, tuple, dict))
            and any(isinstance(v, KerasTensor) for v in tree.flatten(value))
        ):
            return True
    return False


class Node:
    """One call of an operation on symbolic inputs."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.arguments_args = tuple(call_args)
        self.arguments_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        flat_outputs = tree.flatten(outputs) if outputs is not None else []
        self.input_tensors = [
            x for x in tree.flatten([list(self.arguments_args),
                                     self.arguments_kwargs])
            if isinstance(x, KerasTensor)
        ]
        self.is_input = not self.input_tensors
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor_index, tensor in enumerate(flat_outputs):
            tensor._keras_history = (operation, node_index, tensor_index)
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                tensor._keras_history[0]._outbound_nodes.append(self)

    @property
    def output_tensors(self):
        return tree.flatten(self.outputs)

    @property
    def parent_nodes(self):
        parents = []
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                operation, node_index, _ = tensor._keras_history
                parents.append(operation._inbound_nodes[node_index])
        return parents


def shapes_of(structure):
    return tree.map_structure(
        lambda x: x.shape if isinstance(x, KerasTensor) else x, structure
    )


def is_shape(value):
    """A shape is a tuple/list of ints and Nones (not a nest of shapes)."""
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in value
    )


def map_shape_structure(fn, structure):
    if is_shape(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: map_shape_structure(fn, v) for k, v in structure.items()}
    if isinstance(structure, tuple):
        return tuple(map_shape_structure(fn, v) for v in structure)
    if isinstance(structure, list):
        return [map_shape_structure(fn, v) for v in structure]
    return structure


def trace_output_spec(fn, args, kwargs):
    """Runs `fn` on fake tensors standing in for every KerasTensor in
    args/kwargs and returns the outputs as KerasTensors."""
    has_unknown = any(
        d is None
        for x in tree.flatten([list(args), kwargs])
        if isinstance(x, KerasTensor)
        for d in x.shape
    )
    first = _run_with_fill(fn, args, kwargs, FILL_SIZES[0])
    if not has_unknown:
        return tree.map_structure(_to_keras_tensor, first)
    second = _run_with_fill(fn, args, kwargs, FILL_SIZES[1])
    return _merge_runs(first, second)


class _Spec:
    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _merge_runs(first, second):
    if isinstance(first, (list, tuple)):
        return type(first)(_merge_runs(a, b) for a, b in zip(first, second))
    if isinstance(first, dict):
        return {k: _merge_runs(first[k], second[k]) for k in first}
    if not isinstance(first, _Spec):
        return first
    if len(first.shape) != len(second.shape):
        raise ValueError(
            "Could not infer a static rank for this output: it changes with "
            f"the batch size ({first.shape} vs {second.shape})."
        )
    shape = tuple(a if a == b else None
                  for a, b in zip(first.shape, second.shape))
    return KerasTensor(shape, first.dtype)


def _to_keras_tensor(value):
    if isinstance(value, _Spec):
        return KerasTensor(value.shape, value.dtype)
    return value


def _run_with_fill(fn, args, kwargs, fill):
    def to_fake(x):
        if not isinstance(x, KerasTensor):
            return x
        shape = tuple(fill if d is None else d for d in x.shape)
        return torch.ones(shape, dtype=to_torch_dtype(x.dtype))

    def describe(y):
        if isinstance(y, torch.Tensor):
            return _Spec(tuple(y.shape), standardize_dtype(y.dtype))
        return y

    from lamina.layers import call_context

    with call_context.symbolic_scope():
        try:
            with torch.no_grad(), FakeTensorMode(allow_non_fake_inputs=True):
                fake_args = tree.map_structure(to_fake, list(args))
                fake_kwargs = tree.map_structure(to_fake, kwargs)
                outputs = fn(*fake_args, **fake_kwargs)
                return tree.map_structure(describe, outputs)
        except Exception:
            # Some ops (data-dependent shapes) cannot run on fake tensors:
            # fall back to a real run on small placeholder data.
            with torch.no_grad(), unset_fake_temporarily():
                real_args = tree.map_structure(to_fake, list(args))
                real_kwargs = tree.map_structure(to_fake, kwargs)
                outputs = fn(*real_args, **real_kwargs)
                return tree.map_structure(describe, outputs)


class Operation:
    """A recorded function call that is not a layer: `lamina.ops` functions
    and Python operators on KerasTensors. Holds the torch function and the
    non-tensor arguments; weights are never captured."""

    def __init__(self, fn, op_name, name=None):
        self.fn = fn
        self.op_name = op_name
        self.name = name or naming.uniquify(op_name)
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any_symbolic(args, kwargs):
            outputs = trace_output_spec(self.fn, args, kwargs)
            Node(self, args, kwargs, outputs)
            return outputs
        return self.fn(*args, **kwargs)

    def count_params(self):
        return 0

    @property
    def weights(self):
        return []

    trainable_weights = non_trainable_weights = weights

    def __repr__(self):
        return f"<Operation {self.op_name} name={self.name}>"


def symbolic_aware(op_name):
    """Decorates a tensor function so that on KerasTensors it records a node."""

    def decorator(fn):
        def wrapper(*args, **kwargs):
            if any_symbolic(args, kwargs):
                return Operation(fn, op_name)(*args, **kwargs)
            return fn(*args, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.__wrapped__ = fn
        return wrapper

    return decorator
