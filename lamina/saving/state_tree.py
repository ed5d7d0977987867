"""The object tree Keras 3 saves, and the walk that saves and loads it.

Keras addresses state by attribute path, never by layer name. A Sequential
or functional model lists its `layers` first; then come the attributes that
hold layers or an optimizer, sorted with private names last. Lists and dicts
of layers give each item the snake_case class name made unique (`dense`,
`dense_1`, ...). At each path an object writes its own variables with
`save_own_variables(store)` and its files with `save_assets(folder)`; an
object reached twice (a shared layer) is saved at its first path only.
"""

import torch

from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.layers.tracking import TrackedModuleDict
from lamina.layers.tracking import TrackedModules
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving import distributed
from lamina.utils import naming


def _name_key(name):
    # Public attributes first, as Keras sorts them.
    return "~" + name if name.startswith("_") else name


def _lists_layers(obj):
    """Sequential and functional models save their `layers` list first."""
    if getattr(obj, "_graph", None) is not None:
        return True
    return any(cls.__name__ == "Sequential" and
               cls.__module__.startswith("lamina.")
               for cls in type(obj).__mro__)


def is_saveable(obj):
    return isinstance(obj, (torch.nn.Module, Optimizer))


def children(obj):
    """(attribute name, child) pairs in the order Keras visits them.

    A child is a saveable or a list of them."""
    if isinstance(obj, Optimizer):
        inner = getattr(obj, "inner_optimizer", None)
        if isinstance(inner, Optimizer):
            yield "inner_optimizer", inner
        return
    if not isinstance(obj, Layer) or isinstance(obj, TorchModuleWrapper):
        return  # a torch module's whole state_dict is saved with its owner
    lists_layers = _lists_layers(obj)
    if lists_layers:
        yield "layers", list(obj.layers)
    entries = []
    for key, module in obj._modules.items():
        if isinstance(module, (TrackedModules, TrackedModuleDict)):
            entries.append((key, module.values_in_order()))
        elif module is not None and not (
            lists_layers and isinstance(module, InputLayer)
        ):
            entries.append((key, module))
    optimizer = obj.__dict__.get("optimizer")
    if isinstance(optimizer, Optimizer):
        entries.append(("optimizer", optimizer))
    yield from sorted(entries, key=lambda entry: _name_key(entry[0]))


def _join(path, name):
    return f"{path}/{name}" if path else name


def _container_items(container, path):
    used = {}
    for item in container:
        if not is_saveable(item):
            continue
        name = naming.to_snake_case(distributed.saved_class(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        yield _join(path, name), item


def walk(obj, path="", visited=None):
    """Yields (path, saveable) for every saveable, each at its first path."""
    visited = set() if visited is None else visited
    if id(obj) in visited:
        return
    visited.add(id(obj))
    yield path, obj
    for name, child in children(obj):
        if isinstance(child, list):
            for child_path, item in _container_items(child, _join(path, name)):
                yield from walk(item, child_path, visited)
        elif is_saveable(child):
            yield from walk(child, _join(path, name), visited)


def _name_of(obj):
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else None


def _skipped(objects_to_skip):
    return {id(obj) for obj in objects_to_skip or ()}


def save_state(root, weights_store, assets_store=None, skip_optimizer=False,
               objects_to_skip=None):
    """Writes every object's variables (and assets) under its path;
    `objects_to_skip` (and their children) are left out."""
    for path, obj in walk(root, visited=_skipped(objects_to_skip)):
        if skip_optimizer and isinstance(obj, Optimizer):
            continue
        if weights_store is not None:
            store = weights_store.make(path, name=_name_of(obj))
            save_own_variables(obj, store)
        if assets_store is not None and hasattr(obj, "save_assets"):
            obj.save_assets(assets_store.make(path))


def load_state(root, weights_store, assets_store=None, skip_mismatch=False,
               skip_optimizer=False, objects_to_skip=None):
    """Reads every object's variables (and assets) from its path.

    Returns `[(object, error)]` for the objects that could not be loaded
    when `skip_mismatch` is true; raises on the first one otherwise.
    """
    failures = []
    for path, obj in walk(root, visited=_skipped(objects_to_skip)):
        if skip_optimizer and isinstance(obj, Optimizer):
            continue
        try:
            store = None if weights_store is None else weights_store.get(path)
            if store is not None and not (
                # Saved with `include_optimizer=False`: nothing to restore.
                isinstance(obj, Optimizer) and not store.keys()
            ):
                load_own_variables(obj, store)
            if assets_store is not None and hasattr(obj, "load_assets"):
                obj.load_assets(assets_store.get(path))
        except Exception as error:  # noqa: BLE001 (reported with the path)
            if not skip_mismatch:
                raise _with_path(error, path, obj) from error
            failures.append((obj, error))
    return failures


def _with_path(error, path, obj):
    where = f"'{path}'" if path else "the top level"
    return ValueError(
        f"Could not load the weights of {_describe(obj)} (saved at "
        f"{where}): {error}"
    )


def _describe(obj):
    name = _name_of(obj)
    kind = type(obj).__name__
    return f"{kind} '{name}'" if name else kind


def save_own_variables(obj, store):
    if hasattr(obj, "save_own_variables"):
        obj.save_own_variables(store)
        return
    # A plain torch module: its whole state_dict, keyed by the torch names
    # (what Keras's TorchModuleWrapper writes).
    for key, value in obj.state_dict().items():
        store[key] = value.detach().cpu().numpy()


def load_own_variables(obj, store):
    if hasattr(obj, "load_own_variables"):
        obj.load_own_variables(store)
        return
    state = obj.state_dict()
    if sorted(store.keys()) != sorted(state):
        raise ValueError(
            f"Module {type(obj).__name__} expects the entries "
            f"{sorted(state)}, but the file has {sorted(store.keys())}."
        )
    obj.load_state_dict({key: torch.as_tensor(store[key]) for key in state})
