"""Control flow and functional transforms of `keras.ops` (`scan`,
`associative_scan`, `switch`, `map`, `vectorized_map`, `custom_gradient`)
run eagerly in Python over torch tensors, so autograd sees every step. On
KerasTensors they record a node (the function runs on placeholders)."""

import builtins

import torch

from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _op
from lamina.ops.core import _tensor
from lamina.utils import tree


def _stack(results):
    """A list of equally nested outputs as one nest of stacked tensors."""
    flat = [tree.flatten(r) for r in results]
    stacked = [torch.stack([_tensor(v) for v in column])
               for column in zip(*flat)]
    return tree.pack_sequence_as(results[0], stacked)


def _length(xs, axis=0):
    leaves = tree.flatten(xs)
    if not leaves:
        raise ValueError("Expected at least one tensor to iterate over; "
                         "received an empty structure.")
    return _tensor(leaves[0]).shape[axis]


def _take(xs, i, axis=0):
    return tree.map_structure(lambda v: _tensor(v).select(axis, i), xs)


@symbolic_aware("scan")
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Runs `carry, y = f(carry, x)` over the leading axis of `xs` (or
    `length` times with `x=None`); returns `(carry, stacked ys)`."""
    if xs is None and length is None:
        raise ValueError("ops.scan needs `xs` or `length`; both are None.")
    if not isinstance(unroll, (int, bool)) or unroll is not True and (
            isinstance(unroll, int) and unroll < 1):
        raise ValueError("Argument `unroll` must be a positive int or a "
                         f"bool. Received: unroll={unroll!r}")
    steps = _length(xs) if xs is not None else int(length)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    carry, ys = init, []
    for i in order:
        carry, y = f(carry, None if xs is None else _take(xs, i))
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or builtins.all(y is None for y in tree.flatten(ys)):
        return carry, None
    return carry, _stack(ys)


@symbolic_aware("associative_scan")
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix combination `f(previous, current)` along `axis`."""
    steps = _length(elems, axis)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    running, outputs = None, []
    for i in order:
        current = _take(elems, i, axis)
        running = current if running is None else (
            f(current, running) if reverse else f(running, current))
        outputs.append(running)
    if reverse:
        outputs.reverse()
    stacked = _stack(outputs)
    return tree.map_structure(lambda v: torch.movedim(v, 0, axis), stacked)


@symbolic_aware("switch")
def switch(index, branches, *operands):
    """Calls `branches[index](*operands)`; an index out of range is clamped
    to the first or last branch."""
    position = int(_tensor(index).item()) if not isinstance(
        index, int) else index
    position = builtins.min(builtins.max(position, 0), len(branches) - 1)
    return branches[position](*operands)


@symbolic_aware("map")
def map(f, xs):  # noqa: A001 (Keras's name)
    """`f` applied to each slice along the leading axis of `xs`; the
    results stacked."""
    return _stack([f(_take(xs, i)) for i in range(_length(xs))])


@symbolic_aware("vectorized_map")
def vectorized_map(function, elements):
    """`function` on each slice along the leading axis, results stacked."""
    return map(function, elements)


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, forward_fn, *args):
        output, grad_fn = forward_fn(*args)
        ctx.grad_fn = grad_fn
        ctx.tensor_args = [isinstance(a, torch.Tensor) for a in args]
        return output

    @staticmethod
    def backward(ctx, *upstream):
        grads = ctx.grad_fn(*upstream)
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        full, remaining = [], iter(grads)
        for is_tensor in ctx.tensor_args:
            full.append(next(remaining, None) if is_tensor else None)
        return (None, *full)


def custom_gradient(f):
    """Decorates `f(*args) -> (output, grad_fn)`: the result computes
    `output`, and backward calls `grad_fn(upstream)` for the gradients of
    the tensor arguments."""
    def wrapped(*args):
        return _CustomGradient.apply(f, *[
            _tensor(a) if isinstance(a, (float, int)) else a for a in args])

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped


__all__ = _op.public(globals())
