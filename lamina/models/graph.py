"""The graph behind a functional model: which nodes run, in which order.

Built once from the symbolic inputs and outputs; at call time it replays the
recorded layer calls on real tensors through a precomputed plan of slots, so
the per-call cost is one list lookup per tensor.
"""

import collections

from lamina.graph.symbolic import KerasTensor
from lamina.utils import tree


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class Graph:
    def __init__(self, inputs, outputs):
        self.inputs_struct = inputs
        self.outputs_struct = outputs
        # Inputs and outputs in Keras's order; the outputs' fixes the order
        # of `layers` and weights (so weights move between Keras and Lamina).
        self.inputs = tree.flatten(keras_order(inputs))
        self._ordered_outputs = keras_order(outputs)
        self.outputs = tree.flatten(self._ordered_outputs)
        self.single_output_in_list = isinstance(outputs, (list, tuple)) and \
            len(outputs) == 1
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(
                    "All `inputs` and `outputs` of a functional model must be "
                    "symbolic tensors (from `lamina.Input` and layer calls). "
                    f"Received: {tensor!r}"
                )
        (self.nodes_by_depth, self.operations,
         self.node_depths) = _map_graph(self.inputs, self.outputs)
        self._build_plan()

    def _build_plan(self):
        slots = {}

        def slot_of(tensor):
            if id(tensor) not in slots:
                slots[id(tensor)] = len(slots)
            return slots[id(tensor)]

        self.input_slots = [slot_of(x) for x in self.inputs]
        plan = []
        for depth in sorted(self.nodes_by_depth, reverse=True):
            for node in self.nodes_by_depth[depth]:
                if node.is_input:
                    continue

                def template(value):
                    if isinstance(value, KerasTensor):
                        return _Slot(slot_of(value))
                    return value

                args = tree.map_structure(template, list(node.arguments_args))
                kwargs = tree.map_structure(template, node.arguments_kwargs)
                single = (len(args) == 1 and isinstance(args[0], _Slot)
                          and not kwargs)
                outputs = [slot_of(t) for t in node.output_tensors]
                plan.append((node.operation, args, kwargs, single, outputs))
        self.output_slots = [slot_of(x) for x in self.outputs]
        self.num_slots = len(slots)
        self.plan = _with_releases(plan, self.output_slots)

    def run(self, flat_inputs, call_fn):
        """Runs the plan; `call_fn(operation, args, kwargs)` does each call."""
        values = [None] * self.num_slots
        for slot, value in zip(self.input_slots, flat_inputs):
            values[slot] = value

        def fill(value):
            return values[value.index] if isinstance(value, _Slot) else value

        for operation, args, kwargs, single, out_slots, done in self.plan:
            if single:
                result = call_fn(operation, (values[args[0].index],), {})
            else:
                result = call_fn(
                    operation,
                    tree.map_structure(fill, args),
                    tree.map_structure(fill, kwargs),
                )
            if len(out_slots) == 1:
                values[out_slots[0]] = (
                    result if not isinstance(result, (list, tuple, dict))
                    else tree.flatten(result)[0]
                )
            else:
                for slot, value in zip(out_slots, tree.flatten(result)):
                    values[slot] = value
            for slot in done:
                values[slot] = None
        results = [values[s] for s in self.output_slots]
        if self.single_output_in_list:
            # As Keras: `Model(inputs, [x])` returns `x`, not `[x]`.
            return results[0]
        return tree.pack_sequence_as(self._ordered_outputs, results)


def _with_releases(plan, output_slots):
    """Adds to each step the slots no later step reads (and that are not
    outputs), so `run` drops each intermediate tensor after its last use,
    as a hand-written forward does: memory is reused rather than held until
    the call ends (and faulted in afresh on the next call)."""
    last_use = {}
    for step, (_, args, kwargs, _, outputs) in enumerate(plan):
        for slot in outputs:
            last_use[slot] = step
        for value in tree.flatten(args) + tree.flatten(kwargs):
            if isinstance(value, _Slot):
                last_use[value.index] = step
    kept = set(output_slots)
    done = [[] for _ in plan]
    for slot, step in last_use.items():
        if slot not in kept:
            done[step].append(slot)
    return [entry + (tuple(released),)
            for entry, released in zip(plan, done)]


def keras_order(structure):
    """`structure` with Keras's (torch backend) flattening order: the first
    dict on each path from the root is sorted by key; dicts below it keep
    their insertion order; lists and tuples keep theirs."""
    if type(structure) is dict:
        return {key: structure[key] for key in sorted(structure)}
    if type(structure) in (list, tuple):
        return type(structure)(keras_order(v) for v in structure)
    return structure


def nodes_in_order(inputs, outputs):
    """The nodes the `outputs` come from, back to the `inputs` (flat lists
    of KerasTensors), each after the nodes it depends on."""
    return _build_map(inputs, outputs)[0]


def _build_map(inputs, outputs):
    """Depth-first walk from the outputs; records nodes in an order where
    each node comes after the nodes it depends on."""
    finished, in_progress = set(), set()
    ordered_nodes = []
    operation_indices = {}
    input_ids = {id(x) for x in inputs}

    def visit(tensor):
        if tensor._keras_history is None:
            return
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(
                f"Tensor {tensor} from operation '{operation.name}' is part of "
                "a cycle."
            )
        operation_indices.setdefault(operation, len(operation_indices))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for parent in node.input_tensors:
                visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered_nodes.append(node)

    for output in outputs:
        visit(output)
    return ordered_nodes, operation_indices


def _map_graph(inputs, outputs):
    ordered_nodes, operation_indices = _build_map(inputs, outputs)
    node_depths, operation_depths = {}, {}
    nodes = {}
    for node in reversed(ordered_nodes):
        nodes[id(node)] = node
        depth = node_depths.setdefault(id(node), 0)
        depth = max(depth, operation_depths.get(node.operation, 0))
        operation_depths[node.operation] = depth
        node_depths[id(node)] = depth
        for parent in node.parent_nodes:
            nodes[id(parent)] = parent
            node_depths[id(parent)] = max(depth + 1,
                                          node_depths.get(id(parent), 0))
    # Inputs that no output depends on still belong to the model.
    for x in inputs:
        operation = x._keras_history[0] if x._keras_history else None
        if operation is not None and operation not in operation_depths:
            operation_depths[operation] = 0
            operation_indices[operation] = -1
            node = operation._inbound_nodes[0]
            nodes[id(node)] = node
            node_depths[id(node)] = 0

    nodes_by_depth = collections.defaultdict(list)
    for node_id, depth in node_depths.items():
        nodes_by_depth[depth].append(nodes[node_id])
    operations_by_depth = collections.defaultdict(list)
    for operation, depth in operation_depths.items():
        operations_by_depth[depth].append(operation)
    operations = []
    for depth in sorted(operations_by_depth, reverse=True):
        at_depth = sorted(operations_by_depth[depth],
                          key=lambda op: operation_indices[op])
        operations.extend(at_depth)

    computable = {id(x) for x in inputs}
    reached = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor "
                        f"{x} at layer '{node.operation.name}'. The model's "
                        "outputs depend on an input that is not among the "
                        "model's `inputs`. The following previous layers were "
                        f"accessed without issue: {reached}"
                    )
            if node.is_input and not any(
                id(t) in computable for t in node.output_tensors
            ):
                raise ValueError(
                    "Graph disconnected: the outputs depend on input "
                    f"'{node.operation.name}', which is not among the model's "
                    f"`inputs`. The following previous layers were accessed "
                    f"without issue: {reached}"
                )
            reached.append(node.operation.name)
            computable.update(id(x) for x in node.output_tensors)

    names = [operation.name for operation in operations]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the '
                "model. All layer names should be unique."
            )
    return dict(nodes_by_depth), operations, node_depths
