"""`Node`: one call of a layer or operation on symbolic inputs."""

from lamina.graph.keras_tensor import KerasTensor
from lamina.utils import tree


class Node:
    """One call of an operation on symbolic inputs."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.arguments_args = tuple(call_args)
        self.arguments_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        flat_outputs = tree.flatten(outputs) if outputs is not None else []
        self.input_tensors = [
            x for x in tree.flatten([list(self.arguments_args),
                                     self.arguments_kwargs])
            if isinstance(x, KerasTensor)
        ]
        self.is_input = not self.input_tensors
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor_index, tensor in enumerate(flat_outputs):
            tensor._keras_history = (operation, node_index, tensor_index)
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                tensor._keras_history[0]._outbound_nodes.append(self)

    @property
    def output_tensors(self):
        return tree.flatten(self.outputs)

    @property
    def parent_nodes(self):
        parents = []
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                operation, node_index, _ = tensor._keras_history
                parents.append(operation._inbound_nodes[node_index])
        return parents
