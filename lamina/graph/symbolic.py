"""The graph's names in one module, for code that reads them as
`symbolic.KerasTensor`, `symbolic.trace_output_spec`, ... (layers and ops).

Each name is defined in its own module: `keras_tensor`, `node`, `operation`
and `tracing`.
"""

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.keras_tensor import is_keras_tensor
from lamina.graph.node import Node
from lamina.graph.operation import Operation
from lamina.graph.operation import symbolic_aware
from lamina.graph.tracing import FILL_SIZES
from lamina.graph.tracing import any_symbolic
from lamina.graph.tracing import in_symbolic_scope
from lamina.graph.tracing import is_shape
from lamina.graph.tracing import map_shape_structure
from lamina.graph.tracing import shapes_of
from lamina.graph.tracing import symbolic_scope
from lamina.graph.tracing import trace_output_spec

__all__ = [
    "FILL_SIZES", "KerasTensor", "Node", "Operation", "any_symbolic",
    "in_symbolic_scope", "is_keras_tensor", "is_shape",
    "map_shape_structure", "shapes_of", "symbolic_aware", "symbolic_scope",
    "trace_output_spec",
]
