"""`get_source_inputs`: the `Input` tensors a symbolic tensor comes from."""

from lamina.graph import KerasTensor
from lamina.utils import tree


def get_source_inputs(tensor):
    """The `keras.Input` tensors that `tensor` was computed from, in the
    order they are first reached (each once). A tensor made by `Input` is
    its own source; anything not symbolic is returned as it is."""
    if not isinstance(tensor, KerasTensor):
        return tensor
    history = tensor._keras_history
    if history is None:
        return [tensor]
    operation, node_index, _ = history
    if not operation._inbound_nodes:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return tree.flatten(node.outputs)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
