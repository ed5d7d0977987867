"""`model.summary()`: the table of layers, shapes and parameter counts.

The text is Keras 3's, character for character, as Keras prints it when
its output is not a terminal (no bold or colour). The row contents, the
table and the text layout live in `lamina.utils.summary`; this module
counts parameters and puts the pieces together.
"""

import re
import shutil

import torch

from lamina.utils.summary import console
from lamina.utils.summary import rows as rows_lib
from lamina.utils.summary.table import render_table

_SEQUENTIAL_POSITIONS = [0.45, 0.80, 1.0]
_GRAPH_POSITIONS = [0.3, 0.56, 0.74, 1.0]
_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"]


def count_params(weights):
    """Total number of scalars in `weights`."""
    return int(sum(_numel(w) for w in weights))


def _numel(weight):
    count = 1
    for dim in weight.shape:
        count *= int(dim)
    return count


def _bits_per_scalar(weight):
    dtype = weight.dtype
    if isinstance(dtype, torch.dtype):
        # Keras counts a bool as one bit.
        return 1 if dtype == torch.bool else dtype.itemsize * 8
    from lamina.utils.dtypes import to_torch_dtype

    return _bits_per_scalar(torch.empty(0, dtype=to_torch_dtype(dtype)))


def weight_memory_size(weights):
    """Bytes taken by `weights` (each counted once), as a float."""
    unique = {id(w): w for w in weights}.values()
    return sum(_numel(w) * _bits_per_scalar(w) for w in unique) / 8


def readable_memory_size(size):
    """A byte count as Keras writes it: "212.54 KB" (base 1024)."""
    for unit in _UNITS:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {_UNITS[-1]}"


def get_layer_index_bound_by_layer_name(layers, layer_range=None):
    """`[start, stop)` indices of the layers that `layer_range` selects.

    Args:
        layers: the layers listed by the summary.
        layer_range: `None` (all layers) or two names or regexes; the range
            runs from the first layer matching the first to the last layer
            matching the second, both included.
    """
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError(
            "Invalid value for argument `layer_range`. Expected a list or "
            "tuple of 2 layer names. Received: "
            f"layer_range={layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(name, str) for name in layer_range):
        raise ValueError(
            "Invalid value for argument `layer_range`. Expected 2 strings "
            f"(layer names or regexes). Received: layer_range={layer_range}"
        )
    lower = [i for i, layer in enumerate(layers)
             if re.match(layer_range[0], rows_lib.name_of(layer))]
    upper = [i for i, layer in enumerate(layers)
             if re.match(layer_range[1], rows_lib.name_of(layer))]
    if not lower or not upper:
        raise ValueError(
            "Invalid value for argument `layer_range`: it matches no layer "
            f"name in the model. Received: layer_range={layer_range}; layer "
            f"names: {[rows_lib.name_of(layer) for layer in layers]}"
        )
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


def _optimizer_variables(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", True):
        return None
    built = getattr(optimizer, "built", None)
    variables = getattr(optimizer, "variables", None)
    if callable(variables):
        variables = variables()
    if built is False or not variables:
        return None
    return list(variables)


def _footer(model):
    trainable = list(model.trainable_weights)
    non_trainable = list(model.non_trainable_weights)
    counts = [
        ("Trainable", count_params(trainable), weight_memory_size(trainable)),
        ("Non-trainable", count_params(non_trainable),
         weight_memory_size(non_trainable)),
    ]
    optimizer_variables = _optimizer_variables(model)
    if optimizer_variables is not None:
        counts.append(("Optimizer", count_params(optimizer_variables),
                       weight_memory_size(optimizer_variables)))
    total = ("Total", sum(c[1] for c in counts), sum(c[2] for c in counts))
    return [
        f" {label} params: {count:,} ({readable_memory_size(size)})"
        for label, count, size in [total, *counts]
    ]


def _column_widths(positions, line_length, count):
    if len(positions) < count:
        raise ValueError(
            f"Invalid value for argument `positions`. Expected {count} "
            f"column positions. Received: positions={positions}"
        )
    widths, current = [], 0
    for position in positions[:count]:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return widths


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None,
                  graph=None):
    """Prints Keras 3's summary table of `model`.

    Args:
        model: the model (Sequential, functional or subclassed).
        line_length: total width of the table. Defaults to 88 columns (108
            when the model is a graph with branches), at most the terminal
            width minus 4.
        positions: right edge of each column, as a fraction of
            `line_length`.
        print_fn: called once with the whole text; defaults to printing it.
        expand_nested: also list the layers of nested models, indented.
        show_trainable: add a "Trainable" column (Y, N, or - for layers
            without weights).
        layer_range: two layer names (or regexes) limiting the rows to
            that range, both ends included.
        graph: the model's graph, whose operations are listed (functional
            models); None lists `model.layers` (Sequential and subclassed
            models). `Model.summary` passes the right one.
    """
    graph_node_ids = None
    if graph is None:
        layers = list(model.layers)
        sequential_like = True
    else:
        layers = list(graph.operations)
        sequential_like = rows_lib.is_sequential_like(model, graph)
        if not sequential_like:
            graph_node_ids = {id(node)
                              for nodes in graph.nodes_by_depth.values()
                              for node in nodes}
    header = ["Layer (type)", "Output Shape", "Param #"]
    justify = ["left", "left", "right"]
    if sequential_like:
        default_line_length = 88
        positions = positions or list(_SEQUENTIAL_POSITIONS)
    else:
        default_line_length = 108
        positions = positions or list(_GRAPH_POSITIONS)
        header.append("Connected to")
        justify.append("left")
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_line_length = min(default_line_length,
                              shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    widths = _column_widths(positions, line_length, len(header))

    start, stop = get_layer_index_bound_by_layer_name(layers, layer_range)
    rows = []
    for layer in layers[start:stop]:
        rows.extend(rows_lib.layer_rows(layer, graph_node_ids, show_trainable,
                                        expand_nested))

    if print_fn is None:
        print_fn = _logging_print_fn()
    table = render_table(header, rows, widths, justify, line_length,
                         ascii_only=console.ascii_only())
    blocks = [("text", f'Model: "{model.name}"'), ("lines", table)]
    blocks += [("text", line) for line in _footer(model)]
    width = console.console_width(writes_to_stdout=print_fn is None)
    console.emit(console.layout(blocks, width), print_fn)


def _logging_print_fn():
    """Keras routes the summary to its logger when interactive logging is
    off; Lamina follows if its io_utils offer the same switch."""
    try:
        from lamina.utils import io_utils
    except ImportError:
        return None
    enabled = getattr(io_utils, "is_interactive_logging_enabled", None)
    print_msg = getattr(io_utils, "print_msg", None)
    if enabled is None or print_msg is None or enabled():
        return None
    return lambda text: print_msg(text, line_break=False)
