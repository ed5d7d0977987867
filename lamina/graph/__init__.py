"""The symbolic graph: KerasTensor, Node, Operation and shape tracing.

It sits below `ops`, `layers` and `models`: all three record nodes here,
and it imports none of them (only `lamina.utils`). Modules:

- `keras_tensor`: `KerasTensor`, and the table of symbolic functions its
  Python operators call (filled by `lamina.ops` through `symbolic_aware`);
- `node`: `Node`, one recorded call;
- `operation`: `Operation` and the `symbolic_aware` decorator;
- `tracing`: `trace_output_spec` (shapes from fake-tensor runs) and the
  symbolic scope flag;
- `symbolic`: all of the above in one namespace.
"""

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.keras_tensor import is_keras_tensor
from lamina.graph.node import Node
from lamina.graph.operation import Operation
from lamina.graph.operation import symbolic_aware
from lamina.graph.tracing import any_symbolic
from lamina.graph.tracing import in_symbolic_scope
from lamina.graph.tracing import symbolic_scope
from lamina.graph.tracing import trace_output_spec

__all__ = [
    "KerasTensor", "Node", "Operation", "any_symbolic", "in_symbolic_scope",
    "is_keras_tensor", "symbolic_aware", "symbolic_scope",
    "trace_output_spec",
]
