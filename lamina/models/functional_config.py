"""Functional models to and from Keras's config format.

A config lists every layer once with its `inbound_nodes` (one per call in
this model), plus `input_layers` / `output_layers` mirroring the input and
output structures. Node indices are renumbered to count only this model's
calls, so a layer shared with another model still reads `["dense", 0, 0]`.
Both Keras 3 nodes (`{"args", "kwargs"}`) and Keras 2 nodes
(`[[name, node_index, tensor_index, kwargs], ...]`) are read.
"""

import inspect

from lamina.layers.layer import Layer
from lamina.graph import KerasTensor
from lamina.graph import Operation
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.utils import naming
from lamina.utils import tree


def functional_config(model):
    graph = model._graph
    in_model = {id(node) for nodes in graph.nodes_by_depth.values()
                for node in nodes}
    renumbered = {}
    for operation in graph.operations:
        kept = [n for n in operation._inbound_nodes if id(n) in in_model]
        for new_index, node in enumerate(kept):
            renumbered[(id(operation), operation._inbound_nodes.index(node))
                       ] = new_index

    def history(tensor):
        operation, node_index, tensor_index = tensor._keras_history
        return [operation.name,
                renumbered.get((id(operation), node_index), node_index),
                tensor_index]

    def tensor_config(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(value.shape), "dtype": value.dtype,
                "keras_history": history(value)}}
        if isinstance(value, slice):  # `x[:, 1:]` nodes, as Keras writes
            return {"class_name": "__slice__", "config": {
                "start": value.start, "stop": value.stop,
                "step": value.step}}
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        return serialization.serialize_keras_object(value)

    layers = []
    for operation in graph.operations:
        nodes = [node for node in operation._inbound_nodes
                 if id(node) in in_model and not node.is_input]
        calls = [(list(node.arguments_args), dict(node.arguments_kwargs))
                 for node in nodes]
        entry = _operation_config(operation)
        if not isinstance(operation, Layer) and len(calls) == 1:
            args, kwargs, options = _split_op_arguments(operation, *calls[0])
            calls = [(args, kwargs)]
            entry["config"].update(
                serialization.serialize_keras_object(options))
        entry["name"] = operation.name
        entry["inbound_nodes"] = [
            {"args": tree.map_structure(tensor_config, args),
             "kwargs": tree.map_structure(tensor_config, kwargs)}
            for args, kwargs in calls
        ]
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": tree.map_structure(history, graph.inputs_struct),
        "output_layers": tree.map_structure(history, graph.outputs_struct),
    }


def _operation_config(operation):
    if isinstance(operation, Layer):
        return serialization.serialize_keras_object(operation)
    class_name = "".join(p.title() for p in operation.op_name.split("_"))
    return {"module": _ops_module(operation.op_name),
            "class_name": class_name, "config": {"name": operation.name},
            "registered_name": class_name}


# Parameter names of `keras.ops` functions that Keras's op classes take in
# `call` (the arrays); their other parameters (axis, keepdims, shape, ...)
# are constructor arguments, kept in the op's config.
_OP_CALL_ARGUMENTS = frozenset({
    "x", "x1", "x2", "xs", "y", "a", "b", "key", "inputs", "condition",
    "indices", "values", "updates", "start_indices", "arrays", "elements",
    "test_elements", "query", "value", "mask", "tensors", "target", "output",
    "weights", "bias", "kernel", "scale", "offset", "mean", "variance",
})


def _split_op_arguments(operation, args, kwargs):
    """(call args, call kwargs, constructor options) of an op node, as
    Keras 3 writes them: `ops.sum(x, axis=1)` is `Sum(axis=1)` called on
    `x`."""
    try:
        bound = inspect.signature(operation.fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs, {}
    call_args, call_kwargs, options = [], {}, {}
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            call_kwargs.update(value)
        elif name in _OP_CALL_ARGUMENTS or any(
                isinstance(v, KerasTensor) for v in tree.flatten(value)):
            positional = kind is not inspect.Parameter.KEYWORD_ONLY
            if positional and not options and not call_kwargs:
                call_args.append(value)
            else:
                call_kwargs[name] = value
        else:
            options[name] = value
    return call_args, call_kwargs, options


def _ops_module(op_name):
    from lamina.ops import nn

    return "keras.src.ops.nn" if hasattr(nn, op_name) and op_name not in (
        "tanh",) else "keras.src.ops.numpy"


def functional_from_config(cls, config, custom_objects=None,
                           replacements=None):
    """Rebuilds the graph by calling each layer on its recorded inputs.

    `replacements` maps layer names to ready-made layers to use instead of
    reviving them from the config (as `clone_model(clone_function=...)`)."""
    replacements = replacements or {}
    node_numbers = _node_numbering(config)
    created = {}
    outputs_by_node = {}
    pending = {}
    for entry in config["layers"]:
        name = entry.get("name") or entry["config"].get("name")
        operation = replacements.get(name) or _revive_operation(
            entry, custom_objects)
        created[name] = operation
        if entry.get("class_name") == "InputLayer":
            outputs_by_node[(name, 0)] = [operation._inbound_nodes[0].outputs]
        nodes = [n for n in entry.get("inbound_nodes", []) if n]
        if nodes:
            pending[name] = list(nodes)
    done = {name: (1 if (name, 0) in outputs_by_node else 0)
            for name in created}
    while pending:
        progressed = False
        for name in list(pending):
            # A layer's calls happen in order: stop at the first one whose
            # inputs are not there yet.
            while pending[name]:
                args, kwargs = _node_arguments(pending[name][0],
                                               outputs_by_node, node_numbers)
                if args is None:
                    break
                outputs = created[name](*args, **kwargs)
                outputs_by_node[(name, done[name])] = tree.flatten(outputs)
                done[name] += 1
                pending[name].pop(0)
                progressed = True
            if not pending[name]:
                del pending[name]
        if pending and not progressed:
            raise ValueError(
                "Could not rebuild the functional model from its config: the "
                "inputs of these layer calls never become available: "
                f"{sorted(pending)}"
            )

    def tensor_at(ref):
        name, node_index, tensor_index = ref[:3]
        key = (name, node_numbers.get((name, node_index), node_index))
        if key not in outputs_by_node:
            raise ValueError(
                f"Invalid functional model config: it refers to call "
                f"{node_index} of layer '{name}', which the config does not "
                "define."
            )
        return outputs_by_node[key][tensor_index]

    inputs = _map_refs(tensor_at, config["input_layers"])
    outputs = _map_refs(tensor_at, config["output_layers"])
    kwargs = {"name": config.get("name"),
              "trainable": config.get("trainable", True)}
    return cls(inputs=inputs, outputs=outputs, **kwargs)


def _node_numbering(config):
    """Maps each `(layer, node index)` a config refers to onto the layer's
    call number in this model (0, 1, ...).

    Writers number calls differently: Keras 2 counts every call of the layer
    (a nested model built with an input has its own node 0, so the outer
    model refers to node 1), Keras 3 starts nested functional models at 1,
    Lamina counts this model's calls only. The calls in a model are the
    ones its config refers to, so their sorted indices give the order."""
    referenced = {}

    def visit(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                name, node_index = value["config"]["keras_history"][:2]
                referenced.setdefault(name, set()).add(node_index)
                return
            for item in value.values():
                visit(item)
        elif isinstance(value, (list, tuple)):
            if _is_ref(value):
                referenced.setdefault(value[0], set()).add(value[1])
                return
            for item in value:
                visit(item)

    for entry in config["layers"]:
        visit(entry.get("inbound_nodes", []))
    visit(config["input_layers"])
    visit(config["output_layers"])
    return {(name, index): position
            for name, indices in referenced.items()
            for position, index in enumerate(sorted(indices))}


def _is_ref(value):
    return isinstance(value, (list, tuple)) and len(value) >= 3 and \
        isinstance(value[0], str) and isinstance(value[1], int)


def _map_refs(fn, structure):
    if _is_ref(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_refs(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map_refs(fn, v) for v in structure]
    return structure


def _revive_operation(entry, custom_objects):
    module = entry.get("module") or ""
    if module.startswith("keras.src.ops") or (
            not module and _is_unregistered_op(entry, custom_objects)):
        # Keras's legacy .h5 writer drops `module`, so an op node there is
        # just {"class_name": "NotEqual", ...}.
        from lamina import ops

        op_name = naming.to_snake_case(entry["class_name"])
        fn = getattr(ops, op_name, None)
        if fn is None:
            raise ValueError(
                f"Unknown op '{entry['class_name']}' in a functional config "
                f"(module {module}): no `lamina.ops.{op_name}`."
            )
        options = dict(entry.get("config") or {})
        # The revived op keeps its saved name (configs round-trip).
        operation = Operation(getattr(fn, "__wrapped__", fn), op_name,
                              name=options.pop("name", None))

        def call(*args, **kwargs):
            if op_name == "get_item" and len(args) == 2 and isinstance(
                    args[1], list):
                # JSON has no tuples: `x[:, 1]` comes back as a list key.
                args = (args[0], tuple(args[1]))
            return operation(*args, **{**options, **kwargs})

        return call
    layer_config = {k: v for k, v in entry.items()
                    if k not in ("name", "inbound_nodes")}
    return serialization.deserialize_keras_object(
        layer_config, custom_objects=custom_objects)


def _is_unregistered_op(entry, custom_objects):
    """Whether an entry without `module` is an op node. Op class names can
    be layer or metric names too (`Add`, `Concatenate`, `Sum`, `Mean`):
    layers always save `trainable` in their config, ops never do."""
    from lamina import ops

    class_name = entry.get("class_name")
    if not isinstance(class_name, str) or class_name == "InputLayer" or \
            not callable(getattr(ops, naming.to_snake_case(class_name),
                                 None)):
        return False
    if object_registration.get_registered_object(
            entry.get("registered_name") or class_name, custom_objects):
        return False
    config = entry.get("config")
    if isinstance(config, dict) and "trainable" not in config:
        return True
    return not any(class_name in family
                   for family in object_registration.all_families()
                   if family.family in ("layer", "model"))


def _node_arguments(node, outputs_by_node, node_numbers):
    """(args, kwargs) with tensors filled in, or (None, None) if an input
    has not been produced yet."""
    missing = []

    def fill(value):
        if isinstance(value, dict) and value.get("class_name") == \
                "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            produced = outputs_by_node.get(
                (name, node_numbers.get((name, node_index), node_index)))
            if produced is None:
                missing.append(name)
                return None
            return produced[tensor_index]
        if isinstance(value, dict) and value.get("class_name") == \
                "__slice__":
            inner = value.get("config") or {}
            return slice(inner.get("start"), inner.get("stop"),
                         inner.get("step"))
        if isinstance(value, dict) and value.get("class_name") == \
                "__ellipsis__":
            return Ellipsis
        if isinstance(value, dict) and "class_name" in value:
            return serialization.deserialize_keras_object(value)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    if isinstance(node, dict):  # Keras 3
        args = fill(node.get("args", []))
        kwargs = fill(node.get("kwargs", {}))
    else:  # Keras 2: a list of [name, node_index, tensor_index, kwargs]
        tensors, kwargs = [], {}
        for ref in node:
            produced = outputs_by_node.get(
                (ref[0], node_numbers.get((ref[0], ref[1]), ref[1])))
            if produced is None:
                missing.append(ref[0])
                continue
            tensors.append(produced[ref[2]])
            if len(ref) > 3 and ref[3]:
                kwargs.update(ref[3])
        args = [tensors[0] if len(tensors) == 1 else tensors]
    if missing:
        return None, None
    return args, kwargs
