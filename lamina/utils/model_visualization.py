"""plot_model and model_to_dot: a model's layer graph as a picture.

The graph (nodes, labels, edges, nested clusters) is the one Keras 3 draws,
built with `pydot`; `dot_rendering` draws it without a system Graphviz.
`pip install lamina[plot]` installs what both need.
"""

import os
import re
import sys

from lamina.graph import Operation
from lamina.utils import tree
from lamina.utils.dot_rendering import INSTALL_HINT
from lamina.utils.dot_rendering import render

FORMATS = ("png", "svg", "pdf", "dot", "gv", "jpg", "jpeg")


def _pydot():
    try:
        import pydot
    except ImportError as error:
        raise ImportError(
            "plot_model and model_to_dot need the `pydot` package. Install "
            f"it with `{INSTALL_HINT}`. ({error})"
        ) from error
    return pydot


def _class_name(layer):
    # An ops call recorded in a functional model is named as Keras names
    # its Operation class ("add" -> "Add").
    if isinstance(layer, Operation):
        return "".join(part.capitalize() for part in layer.op_name.split("_"))
    return type(layer).__name__


def _activation_name(activation):
    if hasattr(activation, "name"):
        return activation.name
    if hasattr(activation, "__name__"):
        return activation.__name__
    return str(activation)


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        text = ", ".join(f"{k}: {v}" for k, v in shape.items())
    else:
        text = f"{shape}"
    return text.replace("}", "").replace("{", "")


def _first_call(operation, attribute):
    """`input`/`output` of an ops node: its first call's tensors (one, or a
    list), as Keras's Operation reports them."""
    if not isinstance(operation, Operation):
        return getattr(operation, attribute)
    if not operation._inbound_nodes:
        raise AttributeError(f"{operation.name} has never been called")
    node = operation._inbound_nodes[0]
    tensors = (node.input_tensors if attribute == "input"
               else node.output_tensors)
    return tensors[0] if len(tensors) == 1 else tensors


def _structure_of(layer, attribute, field):
    try:
        return tree.map_structure(lambda x: getattr(x, field),
                                  _first_call(layer, attribute))
    except (ValueError, AttributeError):
        return None


def _cell(text, colspan=None, bgcolor="white", color=None, size=14):
    span = f' colspan="{colspan}"' if colspan is not None else ""
    font_color = f' color="{color}"' if color else ""
    return (f'<td{span} bgcolor="{bgcolor}"><font point-size="{size}"'
            f'{font_color}>{text}</font></td>')


def make_layer_label(layer, show_layer_names, show_layer_activations,
                     show_dtype, show_shapes, show_trainable):
    """The HTML-like table Keras draws for one layer."""
    class_name = _class_name(layer)
    colspan = max(1, int(show_dtype) + int(show_trainable)
                  + (2 if show_shapes else 0))
    title = (f"<b>{layer.name}</b> ({class_name})" if show_layer_names
             else f"<b>{class_name}</b>")
    table = ('<<table border="0" cellborder="1" bgcolor="black" '
             'cellpadding="10">')
    table += "<tr>" + _cell(title, colspan, "black", "white", 16) + "</tr>"
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        table += (f'<tr><td bgcolor="white" colspan="{colspan}">'
                  '<font point-size="14">Activation: '
                  f"<b>{_activation_name(activation)}</b></font></td></tr>")
    cols = []
    if show_shapes:
        if class_name != "InputLayer":
            shape = _format_shape(_structure_of(layer, "input", "shape"))
            cols.append(_cell(f"Input shape: <b>{shape}</b>"))
        shape = _format_shape(_structure_of(layer, "output", "shape"))
        cols.append(_cell(f"Output shape: <b>{shape}</b>"))
    if show_dtype:
        dtype = _structure_of(layer, "output", "dtype")
        cols.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and hasattr(layer, "trainable") and layer.weights:
        if layer.trainable:
            cols.append(_cell("<b>Trainable</b>", bgcolor="forestgreen",
                              color="white"))
        else:
            cols.append(_cell("<b>Non-trainable</b>", bgcolor="firebrick",
                              color="white"))
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _make_node(pydot, layer, label_options):
    node = pydot.Node(str(id(layer)),
                      label=make_layer_label(layer, **label_options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(pydot, dot, source, destination):
    source_id, destination_id = str(id(source)), str(id(destination))
    if not dot.get_edge(source_id, destination_id):
        edge = pydot.Edge(source_id, destination_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _layer_index_range(layers, layer_range):
    """Keras 2's `layer_range`: [first, last] name patterns (`re.match`),
    as the half-open index range of `layers` they bound."""
    if (not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2
            or not all(isinstance(p, str) for p in layer_range)):
        raise ValueError(
            "Invalid value for argument `layer_range`. Expected a list of two "
            "layer name patterns [first, last]. Received: "
            f"layer_range={layer_range!r}"
        )
    names = [layer.name for layer in layers]
    bounds = []
    for pattern in layer_range:
        matches = [i for i, name in enumerate(names) if re.match(pattern, name)]
        if not matches:
            raise ValueError(
                f"Invalid value for argument `layer_range`: no layer name "
                f"matches {pattern!r}. Layer names: {names}"
            )
        bounds.append(matches)
    start, stop = bounds[0][0], bounds[1][-1] + 1
    if stop <= start:
        raise ValueError(
            "Invalid value for argument `layer_range`: the last layer "
            f"({names[stop - 1]}) comes before the first ({names[start]})."
        )
    return start, stop


def model_to_dot(model, show_shapes=False, show_dtype=False,
                 show_layer_names=True, rankdir="TB", expand_nested=False,
                 dpi=200, subgraph=False, show_layer_activations=False,
                 show_trainable=False, splines="ortho", layer_range=None):
    """Converts a model to a `pydot.Dot` graph (Keras 3's graph).

    Functional models draw one box per layer or operation, with an edge
    per connection; Sequential models a chain of their layers; subclassed
    models a single box.

    Args:
        model: A built Lamina model.
        show_shapes: Whether to show input and output shapes.
        show_dtype: Whether to show output dtypes.
        show_layer_names: Whether to show layer names.
        rankdir: `"TB"` (vertical) or `"LR"` (horizontal).
        expand_nested: Whether to draw nested models as dashed clusters of
            their layers.
        dpi: Image resolution in dots per inch.
        subgraph: Whether to return a `pydot.Cluster` (used for nesting).
        show_layer_activations: Whether to show the activation of layers
            that have one.
        show_trainable: Whether to mark layers with weights as trainable or
            not.
        splines: How edges are drawn: `"ortho"`, `"curved"`, `"polyline"`,
            `"spline"` or `"line"`.
        layer_range: Keras 2's `[first, last]` layer name patterns: only the
            layers between them (inclusive) are drawn.

    Returns:
        A `pydot.Dot`, or a `pydot.Cluster` when `subgraph=True`.
    """
    from lamina.models import Functional
    from lamina.models import Sequential

    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not yet been built, so it has no "
            "graph to draw. Build it first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_options = {
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_dtype": show_dtype,
        "show_shapes": show_shapes,
        "show_trainable": show_trainable,
    }
    nested = (Functional, Sequential)
    if isinstance(model, Sequential):
        layers = model.layers
    elif not isinstance(model, Functional):
        dot.add_node(_make_node(pydot, model, label_options))
        return dot
    else:
        graph = model._functional_graph()
        layers = list(graph.operations)
    drawn = set(id(layer) for layer in layers)
    if layer_range is not None:
        start, stop = _layer_index_range(layers, layer_range)
        layers = layers[start:stop]
        drawn = set(id(layer) for layer in layers)

    for layer in layers:
        if expand_nested and isinstance(layer, nested):
            dot.add_subgraph(model_to_dot(
                layer, show_shapes, show_dtype, show_layer_names, rankdir,
                expand_nested, subgraph=True,
                show_layer_activations=show_layer_activations,
                show_trainable=show_trainable))
        else:
            dot.add_node(_make_node(pydot, layer, label_options))

    if isinstance(model, Sequential):
        if not expand_nested:
            for source, destination in zip(layers, layers[1:]):
                _add_edge(pydot, dot, source, destination)
            return dot
        # Its first layer's input edge comes from outside (the edge that
        # reaches the Sequential model itself).
        layers = layers[1:]
        model_nodes = None
    else:
        model_nodes = {id(node) for nodes in graph.nodes_by_depth.values()
                       for node in nodes}

    for layer in layers:
        for node in layer._inbound_nodes:
            if model_nodes is not None and id(node) not in model_nodes:
                continue
            for input_index, tensor in enumerate(node.input_tensors):
                if tensor._keras_history is None:
                    continue
                source, _, output_index = tensor._keras_history
                if id(source) not in drawn and not isinstance(model,
                                                              Sequential):
                    continue
                destination = layer
                if not expand_nested:
                    _add_edge(pydot, dot, source, destination)
                    continue
                while isinstance(source, nested):
                    source, _, output_index = source.outputs[
                        output_index]._keras_history
                while isinstance(destination, nested):
                    if isinstance(destination, Functional):
                        destination = destination.inputs[
                            input_index]._keras_history[0]
                    else:
                        destination = destination.layers[0]
                _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(model, to_file="model.png", show_shapes=False,
               show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False,
               show_trainable=False, splines="ortho", layer_range=None):
    """Draws a model's graph to a file, in the format its extension names.

    `.png`, `.jpg`, `.svg` and `.pdf` are rendered; `.dot` (or `.gv`) is the
    Graphviz source. No extension means PNG. No system Graphviz is needed
    (see `lamina.utils.dot_rendering`); `pip install lamina[plot]`.

    Args:
        model: A built Lamina model.
        to_file: Path of the picture.
        show_shapes, show_dtype, show_layer_names, rankdir, expand_nested,
        dpi, show_layer_activations, show_trainable, splines, layer_range:
            As in `model_to_dot`.

    Returns:
        An `IPython.display` image of the file when IPython is installed
        (shown inline in a notebook), except for PDF and DOT files.

    Example:

    >>> # plot_model(model, "model.png", show_shapes=True)
    """
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension not in FORMATS:
        raise ValueError(
            "Invalid value for argument `to_file`: plot_model writes the "
            f"format named by the file extension, one of {list(FORMATS)}. "
            f"Received: to_file={to_file!r}"
        )
    dot = model_to_dot(
        model, show_shapes=show_shapes, show_dtype=show_dtype,
        show_layer_names=show_layer_names, rankdir=rankdir,
        expand_nested=expand_nested, dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable, splines=splines,
        layer_range=layer_range)
    with open(to_file, "wb") as f:
        f.write(render(dot, extension, dpi))
    return _notebook_image(to_file, extension)


def _notebook_image(path, extension):
    if extension in ("pdf", "dot", "gv") or "IPython" not in sys.modules:
        # Only a running IPython can show it; importing IPython otherwise
        # would cost seconds for nothing.
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=path)
    return display.Image(filename=path, format=extension)
