"""The symbolic graph: KerasTensor, Node, Operation and shape tracing.

It sits below `ops`, `layers` and `models`: all three record nodes here,
and it imports none of them.
"""

from lamina.graph.symbolic import KerasTensor
from lamina.graph.symbolic import Node
from lamina.graph.symbolic import Operation
from lamina.graph.symbolic import any_symbolic
from lamina.graph.symbolic import is_keras_tensor
from lamina.graph.symbolic import symbolic_aware
from lamina.graph.symbolic import trace_output_spec
