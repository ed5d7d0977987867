"""`Operation`: a recorded call of a tensor function (a `lamina.ops`
function or a Python operator) on KerasTensors, and `symbolic_aware`, the
decorator that makes a tensor function record one."""

from lamina.graph.keras_tensor import register_symbolic_function
from lamina.graph.node import Node
from lamina.graph.tracing import any_symbolic
from lamina.graph.tracing import trace_output_spec
from lamina.utils import naming


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
    """Decorates a tensor function so that on KerasTensors it records a node.

    The decorated function also becomes the one KerasTensor's Python
    operators call for `op_name` (`x + y` is the function named "add").
    """

    def decorator(fn):
        def wrapper(*args, **kwargs):
            if any_symbolic(args, kwargs):
                return Operation(fn, op_name)(*args, **kwargs)
            return fn(*args, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__
        wrapper.__wrapped__ = fn
        register_symbolic_function(op_name, wrapper)
        return wrapper

    return decorator
