"""`jit_compile=True`: the whole default train step (forward, loss,
gradients, optimizer update, loss and metric bookkeeping) compiled into one
`torch.compile` graph.

The step computes gradients with `torch.autograd.grad` rather than
`loss.backward()` (which would write `.grad` on the weights, something
`torch.compile` cannot trace on parameter subclasses), with Dynamo told to
trace autograd calls and to keep host scalars (the optimizer's iteration
count) inside the graph. A step that fails to compile warns once and runs
eagerly from then on; errors that eager execution raises too are the
user's and are raised as they are.
"""

import types
import warnings

import torch

from lamina import optimizers
from lamina.layers import call_context
from lamina.trainers.data_adapters.data_adapter_utils import (
    unpack_x_y_sample_weight,
)
from lamina.utils import tree

# Dynamo settings the step is traced under: `torch.autograd.grad` in the
# graph, and `int(tensor)` (iteration counts) kept as graph values instead of
# breaking the graph.
_TRACE_SETTINGS = {"trace_autograd_ops": True,
                   "capture_scalar_outputs": True}


class CompiledStep:
    """`step(*args)` run through `torch.compile`, or eagerly once
    compilation has failed. Built once per `compile()` and kept across
    steps, epochs and `fit` calls, so the graph is traced once (again only
    when a guard fails: a new batch shape, a changed `trainable` flag)."""

    def __init__(self, step, name, metric_variables=None):
        self.eager = step
        self.name = name
        # () -> the metrics' state variables, restored before the eager
        # rerun of a first compiled call that failed: a step split by graph
        # breaks may have run (and counted) its first graphs already.
        self.metric_variables = metric_variables
        # Dynamo keeps its graphs per code object (at most
        # `recompile_limit` of them): a code object of the step's own keeps
        # models from sharing, and exhausting, one cache.
        self.compiled = torch.compile(_with_own_code(step))
        self.failed = None  # the reason, once compilation failed
        self.warm = False
        self.tried = False  # whether a compiled call has been made

    def __call__(self, *args):
        if self.failed is not None:
            return self.eager(*args)
        if not self.warm:
            # The first step runs eagerly: it builds the optimizer and fills
            # the caches layers keep (call specs, shortcut plans), which the
            # graph's guards would otherwise see change and retrace.
            self.warm = True
            return self.eager(*args)
        saved = None
        if not self.tried and self.metric_variables is not None:
            # The first compiled call, where compilation fails if it does.
            self.tried = True
            saved = [(v, v.detach().clone())
                     for v in self.metric_variables()]
        try:
            # The model call inside the graph leaves this to its caller.
            call_context.begin_outermost_call()
            return _call_traced(self.compiled, args)
        except Exception as error:  # noqa: BLE001 (eager decides below)
            reason = f"{type(error).__name__}: {error}"
            # A trace that raised can leave Dynamo's caches holding frames
            # that later eager calls pick up; start them afresh.
            torch._dynamo.reset()
        with torch.no_grad():
            for variable, value in saved or ():
                variable.copy_(value)
        # The same step eagerly: an error it raises too is the user's (a
        # shape mismatch, a bad loss) and propagates as in eager mode.
        result = self.eager(*args)
        self.failed = reason
        warnings.warn(
            f"jit_compile=True: the {self.name} could not be compiled with "
            "torch.compile, so it runs eagerly from now on. Reason: "
            f"{reason.splitlines()[0][:300]}", stacklevel=3)
        return result


# Dynamo does not guard on its config, so a cached graph runs whatever the
# settings; only a (re)trace needs them. Patching the config around every
# call costs ~50 µs, so the settings are entered by Dynamo's compile-start
# callback instead, while one of these steps is running (`_RUNNING`).
_RUNNING = []
_OPEN_PATCHES = []


_CALLBACKS = []  # (start, end), made on first use


def _call_traced(compiled, args):
    handler = torch._dynamo.callback_handler
    if not _CALLBACKS:
        # Never traced themselves: Dynamo runs the callbacks under a lock,
        # and tracing one (a lazily compiled backward pass calls them with
        # frame evaluation on) would take that lock again.
        _CALLBACKS.extend([torch._dynamo.disable(_enter_trace_settings),
                           torch._dynamo.disable(_exit_trace_settings)])
    start, end = _CALLBACKS
    if start not in handler.start_callbacks:
        # (Registered again after `torch._dynamo.reset()`, which clears
        # the callbacks.)
        handler.register_start_callback(start)
        handler.register_end_callback(end)
    _RUNNING.append(True)
    try:
        return compiled(*args)
    finally:
        _RUNNING.pop()


def _enter_trace_settings(_):
    if _RUNNING:
        patch = torch._dynamo.config.patch(_TRACE_SETTINGS)
        patch.__enter__()
        _OPEN_PATCHES.append(patch)


def _exit_trace_settings(_):
    if _OPEN_PATCHES:
        _OPEN_PATCHES.pop().__exit__(None, None, None)


def _with_own_code(function):
    """`function` (or bound method) over a copy of its code object."""
    bound_to = getattr(function, "__self__", None)
    plain = getattr(function, "__func__", function)
    copy = types.FunctionType(plain.__code__.replace(), plain.__globals__,
                              plain.__name__, plain.__defaults__,
                              plain.__closure__)
    copy.__kwdefaults__ = plain.__kwdefaults__
    return copy if bound_to is None else types.MethodType(copy, bound_to)


def updates_in_graph(optimizer):
    """True for the optimizers whose update traces into the step's graph:
    the built-ins whose per-step numbers are either plain host scalars or,
    for the Adam family, 0-d tensors of the step count (see
    `lamina.optimizers._traced`). Gradient accumulation and EMA branch on
    the step count, and loss scaling on a finite-gradient test, which would
    break the graph at every step: those update eagerly after it."""
    if type(optimizer) not in _IN_GRAPH:
        return False
    return not (optimizer.gradient_accumulation_steps or optimizer.use_ema)


_IN_GRAPH = (
    optimizers.SGD, optimizers.RMSprop, optimizers.Adagrad,
    optimizers.Adadelta, optimizers.Ftrl, optimizers.Lion, optimizers.Adam,
    optimizers.AdamW, optimizers.Adamax, optimizers.Nadam, optimizers.Lamb,
)


def whole_train_step(model):
    """The default `train_step`'s work up to the compiled metrics, as one
    function of a batch's (x, y, sample_weight) and the trainable weights
    (given by the caller, so no cache of the model's is guarded). It
    returns the detached predictions, and the gradients when the optimizer
    is left to the caller (see `updates_in_graph`). The metrics update
    eagerly: Dynamo's guards on metric state variables fail to build in
    torch 2.13."""
    in_graph = updates_in_graph(model.optimizer)

    def step(x, y, sample_weight, trainable):
        y_pred, loss = model._forward_and_loss(x, y, sample_weight)
        model._track_loss(loss, x)
        grads = None
        if trainable:
            optimizer = model.optimizer
            scaled = optimizer.scale_loss(loss) \
                if hasattr(optimizer, "scale_loss") else loss
            grads = list(torch.autograd.grad(scaled, trainable,
                                             allow_unused=True))
            if in_graph:
                optimizer.apply(grads, trainable)
                grads = None
        else:
            warnings.warn("The model does not have any trainable weights.")
        # Detached: the gradients consumed the graph behind them.
        y_pred = tree.map_structure(
            lambda t: t.detach() if isinstance(t, torch.Tensor) else t,
            y_pred)
        return y_pred, grads

    return step


# Steps unrolled into one graph at most: the graph, and its compile time,
# grow with the count.
MAX_GROUP = 8


def whole_train_steps(model):
    """Several default train steps in one graph (`steps_per_execution`):
    a function of a tuple of unpacked (x, y, sample_weight) batches and the
    trainable weights, returning each step's detached predictions. Only
    for optimizers whose update is in the graph (`updates_in_graph`)."""
    single = whole_train_step(model)

    def steps(batches, trainable):
        return [single(x, y, sample_weight, trainable)[0]
                for x, y, sample_weight in batches]

    return steps


def chunks(batches):
    """`batches` in consecutive tuples of `MAX_GROUP`, then the remaining
    ones alone: one group graph (a shorter group would trace another)."""
    size = MAX_GROUP
    whole = len(batches) - len(batches) % size
    return [batches[i:i + size] for i in range(0, whole, size)] + \
        [(batch,) for batch in batches[whole:]]


def group_runner(model, step):
    """`steps_per_execution` batches run as few graph calls: chunks of
    `MAX_GROUP` steps unrolled into one graph (the rest through `step`,
    the single-step function), the metrics then updated eagerly batch by
    batch."""
    group = model._compiled("train group", lambda: whole_train_steps(model))

    def run_group(batches):
        logs = None
        for chunk in chunks(batches):
            if len(chunk) == 1:
                logs = step(chunk[0])
                continue
            unpacked = tuple(unpack_x_y_sample_weight(b) for b in chunk)
            trainable = model._training_cache()["trainable"]
            y_preds = group(unpacked, trainable)
            for (x, y, sample_weight), y_pred in zip(unpacked, y_preds):
                logs = model.compute_metrics(x, y, y_pred, sample_weight)
        return logs

    return run_group
