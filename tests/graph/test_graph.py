"""lamina.graph: operators on KerasTensors dispatch to the ops registered
by name, and the symbolic scope is the graph's own flag."""

import numpy as np
import torch

import lamina
from lamina import ops
from lamina.graph import KerasTensor
from lamina.graph import in_symbolic_scope
from lamina.graph import symbolic
from lamina.graph import symbolic_aware
from lamina.graph import trace_output_spec
from lamina.graph.keras_tensor import SYMBOLIC_FUNCTIONS
from lamina.layers import call_context


def test_operators_call_the_registered_ops():
    for name in ("add", "subtract", "multiply", "divide", "matmul",
                 "negative", "get_item", "reshape", "cast", "transpose"):
        assert SYMBOLIC_FUNCTIONS[name] is getattr(ops, name)


def test_operators_record_nodes_and_run():
    inputs = lamina.Input((3,))
    outputs = (2 - inputs) * inputs[:, :1] + abs(-inputs)
    assert isinstance(outputs, KerasTensor) and outputs.shape == (None, 3)
    model = lamina.Model(inputs, outputs)
    x = np.array([[1.0, -2.0, 3.0]], dtype="float32")
    expected = (2 - x) * x[:, :1] + np.abs(x)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected)


def test_first_registration_of_a_name_wins():
    @symbolic_aware("add")
    def other_add(x, y):
        return x - y

    assert SYMBOLIC_FUNCTIONS["add"] is ops.add
    assert other_add(torch.ones(1), torch.ones(1)).item() == 0.0


def test_symbolic_scope_is_shared_with_layers():
    seen = []

    def probe(x):
        seen.append((in_symbolic_scope(), call_context.in_symbolic_scope(),
                     call_context.state.symbolic))
        return x + 1

    spec = trace_output_spec(probe, (KerasTensor((None, 2)),), {})
    assert spec.shape == (None, 2)
    assert seen and all(flags == (True, True, True) for flags in seen)
    assert not in_symbolic_scope()


def test_symbolic_module_keeps_its_names():
    for name in ("KerasTensor", "Node", "Operation", "FILL_SIZES",
                 "any_symbolic", "map_shape_structure", "shapes_of",
                 "trace_output_spec", "symbolic_aware"):
        assert hasattr(symbolic, name)
