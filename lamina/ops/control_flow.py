"""Control flow and functional transforms of `keras.ops` (`cond`,
`while_loop`, `fori_loop`, `scan`, `associative_scan`, `switch`, `map`,
`vectorized_map`, `custom_gradient`) run eagerly in Python over torch
tensors, so autograd sees every step. On KerasTensors they record a node.

The predicate of `cond` and the loop condition of `while_loop` hold no
value on KerasTensors or on the placeholders of a shape trace, so there
the output spec comes from the branches (both, which must agree) or from
the loop variables, as Keras's; the choice is made when the model runs."""

import builtins

import torch

from lamina.graph.symbolic import KerasTensor
from lamina.graph.symbolic import Node
from lamina.graph.symbolic import Operation
from lamina.graph.symbolic import any_symbolic
from lamina.graph.symbolic import in_symbolic_scope
from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _op
from lamina.ops.core import _tensor
from lamina.utils import tree
from lamina.utils.dtypes import standardize_dtype


def _spec(value):
    """(shape, dtype) of a tensor, KerasTensor or Python number; None
    stays None."""
    if value is None:
        return None
    if not isinstance(value, (torch.Tensor, KerasTensor)):
        value = _tensor(value)
    return tuple(value.shape), standardize_dtype(value.dtype)


def _specs(structure):
    return tree.map_structure(_spec, structure)


def _symbolic_like(structure, what):
    """New KerasTensors with the shapes and dtypes of `structure`'s leaves."""
    def make(value):
        if value is None:
            raise ValueError(f"{what} returned None inside a nest; on "
                             "KerasTensors every output must be a tensor.")
        shape, dtype = _spec(value)
        return KerasTensor(shape, dtype)

    return tree.map_structure(make, structure)


def _holds_keras_tensor(structure):
    return builtins.any(isinstance(v, KerasTensor)
                        for v in tree.flatten(structure))


def _branch(fn, name):
    """A branch's result: `fn()`, or `fn` itself when it is a nest of
    tensors (a recorded node holds the value its graph computed)."""
    if callable(fn):
        return fn()
    if not builtins.all(isinstance(v, (torch.Tensor, KerasTensor))
                        for v in tree.flatten(fn)):
        raise ValueError(
            f"ops.cond: `{name}` must be a function returning tensors. "
            f"Received: {name}={fn!r}")
    return fn


def _branch_outputs(true_fn, false_fn):
    true_out = _branch(true_fn, "true_fn")
    false_out = _branch(false_fn, "false_fn")
    if _specs(true_out) != _specs(false_out):
        raise ValueError(
            "ops.cond: `true_fn` and `false_fn` must return the same nest of "
            "tensors with the same shapes and dtypes. Received (shape, "
            f"dtype) {_specs(true_out)} from true_fn and {_specs(false_out)} "
            "from false_fn.")
    return true_out, false_out


def _run_cond(pred, true_fn, false_fn):
    if isinstance(pred, torch.Tensor) and in_symbolic_scope():
        # A placeholder during a shape trace: the spec of both branches.
        return _branch_outputs(true_fn, false_fn)[0]
    return _branch(true_fn, "true_fn") if bool(pred) else _branch(
        false_fn, "false_fn")


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`. On a KerasTensor `pred`
    both branches are traced (they must agree in structure, shape and
    dtype) and the model picks one when it runs: a branch that read
    KerasTensors is computed by the graph, any other is called then."""
    if not isinstance(pred, KerasTensor):
        return _run_cond(pred, true_fn, false_fn)
    true_out, false_out = _branch_outputs(true_fn, false_fn)
    branches = [out if _holds_keras_tensor(out) else fn for out, fn in
                ((true_out, true_fn), (false_out, false_fn))]
    outputs = _symbolic_like(true_out, "ops.cond's true_fn")
    Node(Operation(_run_cond, "cond"), (pred, *branches), {}, outputs)
    return outputs


def _loop_state(loop_vars):
    single = not isinstance(loop_vars, (list, tuple))
    return single, ((loop_vars,) if single else tuple(loop_vars))


def _check_body(body, state, args, what):
    """One call of the loop body on placeholders: its results must match
    the loop variables, as a compiled loop requires."""
    result = body(*args)
    result = result if isinstance(result, (list, tuple)) else (result,)
    if _specs(tuple(result)) != _specs(state):
        raise ValueError(
            f"{what}: the body must return the loop variables' structure, "
            f"shapes and dtypes {_specs(state)}; it returned "
            f"{_specs(tuple(result))}.")


def _run_while(cond, body, loop_vars, maximum_iterations=None):
    single, state = _loop_state(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and \
            cond(*state):
        result = body(*state)
        state = (result,) if single else tuple(result)
        steps += 1
    return state[0] if single else state


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`
    (at most `maximum_iterations` times)."""
    single, state = _loop_state(loop_vars)
    if any_symbolic(state, {}):
        outputs = _symbolic_like(state, "ops.while_loop's loop_vars")
        Node(Operation(_run_while, "while_loop"), (cond, body, loop_vars),
             {"maximum_iterations": maximum_iterations}, outputs)
        return outputs[0] if single else outputs
    if in_symbolic_scope() and builtins.any(
            isinstance(v, torch.Tensor) for v in tree.flatten(state)):
        _check_body(body, state, state, "ops.while_loop")
        return loop_vars if single else state
    return _run_while(cond, body, loop_vars, maximum_iterations)


def _run_fori(lower, upper, body_fun, init_val):
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def fori_loop(lower, upper, body_fun, init_val):
    """`init_val = body_fun(i, init_val)` for `i` in `range(lower, upper)`.
    With symbolic bounds one node is recorded (spec: `init_val`'s)."""
    if isinstance(lower, KerasTensor) or isinstance(upper, KerasTensor):
        outputs = _symbolic_like(init_val, "ops.fori_loop's init_val")
        Node(Operation(_run_fori, "fori_loop"),
             (lower, upper, body_fun, init_val), {}, outputs)
        return outputs
    if in_symbolic_scope() and builtins.any(
            isinstance(b, torch.Tensor) for b in (lower, upper)):
        _check_body(lambda v: body_fun(lower, v), (init_val,), (init_val,),
                    "ops.fori_loop")
        return init_val
    return _run_fori(lower, upper, body_fun, init_val)


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
    if in_symbolic_scope() and not isinstance(index, int):
        # A placeholder index: the spec is the first branch's, as Keras's.
        return branches[0](*operands)
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
