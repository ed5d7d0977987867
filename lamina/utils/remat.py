"""Rematerialization (activation checkpointing) on `torch.utils.checkpoint`:
`remat(f)` recomputes `f`'s activations in the backward pass instead of
keeping them, and `RematScope` applies it to the layers built inside."""

import functools
import math
import threading

import torch
import torch.utils.checkpoint

from lamina.graph import in_symbolic_scope

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_scopes = threading.local()
_MISSING = object()


def remat(f):
    """`f`, recomputed during the backward pass rather than storing its
    intermediate activations (less memory, one more forward). Outside
    gradient recording it runs as it is.

    Example:

    >>> block = keras.remat(lambda x: keras.ops.relu(x @ w) @ v)
    """
    @functools.wraps(f)
    def rematerialized(*args, **kwargs):
        if not torch.is_grad_enabled() or in_symbolic_scope():
            return f(*args, **kwargs)
        return torch.utils.checkpoint.checkpoint(
            f, *args, use_reentrant=False, **kwargs)

    return rematerialized


class RematScope:
    """Layers created inside this scope rematerialize their calls.

    Args:
        mode: `"full"` (every layer), `"activations"` (only the activation
            function of layers that have one), `"larger_than"` (layers whose
            output has more than `output_size_threshold` elements),
            `"list_of_layers"` (layers named in `layer_names`) or None
            (turns an enclosing scope off).
        output_size_threshold: the size limit of `"larger_than"`.
        layer_names: the layer names of `"list_of_layers"`.
    """

    def __init__(self, mode="full", output_size_threshold=1024,
                 layer_names=None):
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode '{mode}'. Supported modes are: 'full', "
                "'activations', 'larger_than', 'list_of_layers', or None.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _stack().append(self)
        return self

    def __exit__(self, *exc_info):
        _stack().pop()


def _stack():
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def get_current_remat_mode():
    """The innermost `RematScope`, or None."""
    stack = _stack()
    scope = stack[-1] if stack else None
    return scope if scope is not None and scope.mode is not None else None


def rematerialized_call(layer, call, scope):
    """The `call` a layer built under `scope` uses."""
    if scope.mode == "full" or (scope.mode == "list_of_layers"
                                and layer.name in scope.layer_names):
        return remat(call)
    if scope.mode == "activations":
        @functools.wraps(call)
        def with_remat_activation(*args, **kwargs):
            activation = getattr(layer, "activation", None)
            if activation is None:
                return call(*args, **kwargs)
            # Swapped in the instance dict: no module registration, and the
            # layer's change counter stays as it is.
            own = layer.__dict__.get("activation", _MISSING)
            layer.__dict__["activation"] = remat(activation)
            try:
                return call(*args, **kwargs)
            finally:
                if own is _MISSING:
                    del layer.__dict__["activation"]
                else:
                    layer.__dict__["activation"] = own
        return with_remat_activation
    if scope.mode == "larger_than":
        rematerialized = remat(call)
        sizes = {}

        @functools.wraps(call)
        def when_large(*args, **kwargs):
            first = args[0] if args else None
            if not isinstance(first, torch.Tensor):
                return call(*args, **kwargs)
            shape = tuple(first.shape)
            if shape not in sizes:
                output = layer.compute_output_shape(shape)
                sizes[shape] = math.prod(d or 1 for d in output) \
                    if isinstance(output, tuple) else 0
            if sizes[shape] > scope.output_size_threshold:
                return rematerialized(*args, **kwargs)
            return call(*args, **kwargs)
        return when_large
    return call
