"""Functional models whose inputs are intermediate tensors.

`Model(h, outputs)` where `h` came out of a layer (not `Input()`), as Keras
allows: each such input gets its own InputLayer (named after the tensor,
plus "CLONE", as Keras names it) and the layer calls between it and the
outputs are recorded again on the new tensors. The original graph is left
as it was, so the bigger model it belongs to keeps working.
"""

from lamina.graph.keras_tensor import KerasTensor
from lamina.graph.node import Node
from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.models import graph as graph_lib
from lamina.utils import tree


def is_input_tensor(tensor):
    history = getattr(tensor, "_keras_history", None)
    return history is not None and isinstance(history[0], InputLayer)


def with_input_layers(inputs, outputs):
    """(inputs, outputs), with every input that is not an `Input()` tensor
    replaced by a fresh `Input` and the calls after it recorded anew."""
    flat_inputs = tree.flatten(inputs)
    if all(is_input_tensor(x) or not isinstance(x, KerasTensor)
           for x in flat_inputs):
        return inputs, outputs
    replaced = {}

    def swap(value):
        if isinstance(value, KerasTensor):
            return replaced.get(id(value), value)
        return value

    for x in flat_inputs:
        if isinstance(x, KerasTensor) and not is_input_tensor(x):
            replaced[id(x)] = Input(batch_shape=x.shape, dtype=x.dtype,
                                    sparse=x.sparse, name=x.name + "CLONE")
    input_ids = {id(x) for x in flat_inputs}
    flat_outputs = [x for x in tree.flatten(outputs)
                    if isinstance(x, KerasTensor)]
    for node in graph_lib.nodes_in_order(flat_inputs, flat_outputs):
        produced = node.output_tensors
        if node.is_input or any(id(t) in input_ids for t in produced):
            continue
        if not any(id(t) in replaced for t in node.input_tensors):
            continue
        args = tree.map_structure(swap, list(node.arguments_args))
        kwargs = tree.map_structure(swap, node.arguments_kwargs)
        new_outputs = tree.map_structure(_fresh_like, node.outputs)
        Node(node.operation, args, kwargs, new_outputs)
        for old, new in zip(produced, tree.flatten(new_outputs)):
            replaced[id(old)] = new

    return (tree.map_structure(swap, inputs),
            tree.map_structure(swap, outputs))


def _fresh_like(value):
    """A new symbolic tensor like `value`, with no mask: the masks of the
    old graph come from its inputs, and the new Input carries none (Keras's
    clones carry none either)."""
    if not isinstance(value, KerasTensor):
        return value
    return KerasTensor(value.shape, value.dtype, sparse=value.sparse)
