"""Symbolic execution: output specs found by running on fake tensors.

`trace_output_spec` runs a function on fake tensors (no FLOPs, no memory)
standing in for every KerasTensor argument. A `None` dimension is found by
running twice with two different sizes and comparing, as Keras does. While
a trace runs, `in_symbolic_scope()` is true: layers read it (through
`lamina.layers.call_context`) to skip side effects such as stateful updates.
"""

import contextlib
import itertools
import threading

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch._subclasses.fake_tensor import unset_fake_temporarily

from lamina import config
from lamina.graph.keras_tensor import KerasTensor
from lamina.utils import tree
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype

# Sizes standing in for `None` dimensions in the two trace runs.
FILL_SIZES = (83, 89)


class _TraceState(threading.local):
    depth = 0


_trace_state = _TraceState()


@contextlib.contextmanager
def symbolic_scope():
    """Marks the code inside as running on placeholders, not data."""
    _trace_state.depth += 1
    try:
        yield
    finally:
        _trace_state.depth -= 1


def in_symbolic_scope():
    """Whether a shape trace (or a `symbolic_scope`) is running."""
    return _trace_state.depth > 0


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


def _placeholder_device(fn, args, kwargs):
    """Where the stand-in inputs must live to meet what `fn` computes with:
    the device of the module `fn` is bound to, else that of a concrete
    tensor passed beside the symbolic ones (a constant in an op), else
    where new weights go. A CPU stand-in meeting CUDA weights or constants
    would fail the fake run and the real fallback alike. (0-d tensors mix
    with any device, so they do not decide.)"""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, torch.nn.Module):
        for tensor in itertools.chain(owner.parameters(), owner.buffers()):
            return tensor.device
    for value in tree.flatten([list(args), kwargs]):
        if isinstance(value, torch.Tensor) and value.ndim > 0:
            return value.device
    return config.default_device()


def _run_with_fill(fn, args, kwargs, fill):
    device = _placeholder_device(fn, args, kwargs)

    def to_fake(x):
        if not isinstance(x, KerasTensor):
            return x
        shape = tuple(fill if d is None else d for d in x.shape)
        return torch.ones(shape, dtype=to_torch_dtype(x.dtype), device=device)

    def describe(y):
        if isinstance(y, torch.Tensor):
            return _Spec(tuple(y.shape), standardize_dtype(y.dtype))
        return y

    with symbolic_scope():
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
