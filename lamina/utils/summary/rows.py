"""The rows of the summary table: what each layer shows.

Each row is the layer's name and class, its output shape (from its latest
call, else from the shapes it was built with, else "?"), its parameter
count, and for branched graphs the tensors it was called on. Layers are
read through the layer and graph interfaces only (names, nodes, shapes,
weights), never through the model classes.
"""

import torch

from lamina.graph import Operation
from lamina.layers.layer import Layer
from lamina.utils import naming
from lamina.utils import tree
from lamina.utils.summary.text import strip_markup


def name_of(layer):
    """The layer's name; a plain torch module gets its snake_case class."""
    name = getattr(layer, "name", None)
    if isinstance(name, str):
        return name
    return naming.to_snake_case(type(layer).__name__)


def _class_name_of(layer):
    if isinstance(layer, Operation) and type(layer) is Operation:
        # Keras names an op's class after the op: `add` -> `Add`.
        return "".join(part.capitalize() for part in layer.op_name.split("_"))
    return type(layer).__name__


def is_sequential_like(model, graph):
    """A graph with one node per depth, one input each and no shared layer
    is listed without the "Connected to" column."""
    nodes = []
    for depth_nodes in graph.nodes_by_depth.values():
        if len(depth_nodes) > 1 or (
            len(depth_nodes) == 1 and len(depth_nodes[0].input_tensors) > 1
        ):
            return False
        nodes.extend(depth_nodes)
    node_ids = {id(node) for node in nodes}
    for layer in model.layers:
        calls = [node for node in getattr(layer, "_inbound_nodes", [])
                 if id(node) in node_ids]
        if len(calls) > 1:
            return False
    return True


def _format_shape(shape):
    return "(" + ", ".join(str(dim) for dim in shape) + ")"


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        dim is None or isinstance(dim, int) for dim in value
    )


def _map_shapes(fn, structure):
    if _is_shape(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_shapes(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_shapes(fn, v) for v in structure)
    return structure


def _structure_text(formatted):
    flat = tree.flatten(formatted)
    if len(flat) == 1:
        return flat[0]
    return strip_markup(str(formatted).replace("'", ""))


def _declared_output_shape(layer):
    graph = getattr(layer, "_graph", None)
    if graph is not None:
        shapes = [tensor.shape for tensor in graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes
    return getattr(layer, "output_shape")


def _output_shape_text(layer):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    build_shapes = getattr(layer, "_build_shapes", None)
    if not nodes and not build_shapes:
        return "?"
    if nodes:
        # The shape of the latest call, as Keras shows it.
        outputs = nodes[-1].output_tensors
        return _structure_text([_format_shape(t.shape) for t in outputs])
    try:
        return _format_shape(_declared_output_shape(layer))
    except AttributeError:
        pass
    if isinstance(layer, Layer) and (
        type(layer).compute_output_shape is Layer.compute_output_shape
    ):
        # Keras's base layer cannot infer shapes without a custom
        # `compute_output_shape`; neither does its summary.
        return "?"
    try:
        shapes = layer.compute_output_shape(**build_shapes)
    except Exception:  # a shape the layer cannot compute is unknown
        return "?"
    return _structure_text(_map_shapes(_format_shape, shapes))


def _params_text(layer):
    if isinstance(layer, torch.nn.Module) and not hasattr(layer, "built"):
        return f"{sum(p.numel() for p in layer.parameters()):,}"
    if not hasattr(layer, "built"):
        return "0"
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _trainable_text(layer):
    if not hasattr(layer, "built") and isinstance(layer, torch.nn.Module):
        parameters = list(layer.parameters())
        if not parameters:
            return "-"
        return "Y" if any(p.requires_grad for p in parameters) else "N"
    if len(getattr(layer, "weights", None) or []) > 0:
        return "Y" if layer.trainable else "N"
    return "-"


def _connections_text(layer, relevant_node_ids):
    parts = []
    for node in getattr(layer, "_inbound_nodes", None) or []:
        if relevant_node_ids and id(node) not in relevant_node_ids:
            continue  # a call outside this model
        for tensor in node.input_tensors:
            operation, node_index, tensor_index = tensor._keras_history
            parts.append(f"{operation.name}[{node_index}][{tensor_index}]")
    return strip_markup(", ".join(parts)) if parts else "-"


def _lists_layers(layer):
    """Keras expands models (objects with a `layers` list of their own:
    they override `Layer.layers`), not layers."""
    return isinstance(layer, Layer) and type(layer).layers is not Layer.layers


def layer_rows(layer, graph_node_ids, show_trainable, expand_nested,
               level=0):
    """The table rows for `layer` (and its sublayers when expanded).

    Args:
        layer: a layer, model, op or torch module listed by the summary.
        graph_node_ids: ids of the model's graph nodes when the table has a
            "Connected to" column, else None.
        show_trainable: add the Trainable cell.
        expand_nested: add rows for the layers of nested models.
        level: nesting depth, shown as an indented "└ ".
    """
    prefix = "   " * level + "└ " if level else ""
    row = [
        f"{prefix}{name_of(layer)} ({_class_name_of(layer)})",
        _output_shape_text(layer),
        _params_text(layer),
    ]
    if graph_node_ids is not None:
        row.append(_connections_text(layer, graph_node_ids))
    if show_trainable:
        row.append(_trainable_text(layer))
    rows = [row]
    if expand_nested and _lists_layers(layer) and layer.layers:
        for sublayer in layer.layers:
            rows.extend(layer_rows(sublayer, graph_node_ids, show_trainable,
                                   expand_nested, level + 1))
    return rows
