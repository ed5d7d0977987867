"""A training run's full state, as NumPy arrays plus JSON-able metadata.

What `BackupAndRestore` keeps so that a killed `fit` resumes exactly: the
model's tensors (`state_dict`), the optimizer's variables, the metrics'
accumulators, the epoch and the data position (step, pass position and the
pass's shuffling order), and every random state training draws from:
torch's (CPU and CUDA), NumPy's and Python's global generators and each
layer's `SeedGenerator`. `training_state_file` stores it without pickle.
"""

import numpy as np
import torch

from lamina.random import SeedGenerator
from lamina.trainers import distribution_hook
from lamina.trainers.epoch_iterator import global_random_state
from lamina.trainers.epoch_iterator import set_global_random_state

FORMAT = "lamina.training_state"
VERSION = 1


class TrainingState:
    """`metadata` (a JSON-able dict) and `arrays` (name -> NumPy array)."""

    def __init__(self, metadata, arrays):
        self.metadata = metadata
        self.arrays = arrays


# -- Capturing and applying ---------------------------------------------

def capture(model, iterator, epoch, epoch_end=False):
    """The state of `model` (and of its compiled optimizer and metrics),
    of the data `iterator` and of the random generators, right now; with
    `epoch_end`, for resuming at the start of `epoch`."""
    arrays = {}
    metadata = {"format": FORMAT, "version": VERSION, "epoch": int(epoch)}
    position = iterator.state(epoch_end) if iterator is not None else \
        {"step": 0, "position": 0, "order": None}
    metadata["step"] = int(position["step"])
    metadata["position"] = int(position["position"])
    metadata["batches_per_epoch"] = _batches_per_epoch(iterator)
    if position["order"] is not None:
        arrays["data/order"] = _numpy(position["order"])
    metadata["pass_random"] = None
    if position.get("random") is not None:
        metadata["pass_random"] = _store_snapshot(
            "data/random", position["random"], arrays)
    # Matched by position (layer names differ between sessions), the names
    # kept for messages.
    weights = model.state_dict()
    metadata["weights"] = list(weights)
    for index, tensor in enumerate(weights.values()):
        arrays[f"model/{index}"] = _numpy(tensor)
    metadata["optimizer"] = _capture_optimizer(model.optimizer, arrays)
    metrics = _metric_variables(model)
    metadata["metrics"] = len(metrics)
    for index, variable in enumerate(metrics):
        arrays[f"metrics/{index}"] = _numpy(variable)
    metadata["random"] = _capture_random(model, arrays)
    return TrainingState(metadata, arrays)


def check_matches(state, model, source):
    """Raises a ValueError naming `source` when the saved tensors do not
    fit `model` (another architecture); changes nothing."""
    current = model.state_dict()
    saved = state.metadata["weights"]
    if len(current) != len(saved):
        raise ValueError(
            f"The backup {source} was written for another model: it holds "
            f"{len(saved)} weight tensors ({', '.join(saved[:4])}, ...), "
            f"this model has {len(current)}. Delete the backup folder to "
            "start over."
        )
    for index, (name, tensor) in enumerate(current.items()):
        array = state.arrays[f"model/{index}"]
        if tuple(array.shape) != tuple(tensor.shape):
            raise ValueError(
                f"The backup {source} was written for another model: weight "
                f"'{saved[index]}' has shape {tuple(array.shape)} in the "
                f"backup, and this model's '{name}' has shape "
                f"{tuple(tensor.shape)}. Delete the backup folder to start "
                "over."
            )
    saved = state.metadata["optimizer"]
    if saved["kind"] == "keras" and model.optimizer is not None and \
            _optimizer_variables(model, saved) is None:
        raise ValueError(
            f"The backup {source} holds {saved['variables']} optimizer "
            f"variables, which the optimizer '{model.optimizer.name}' does "
            "not have: was it written with another optimizer? Delete the "
            "backup folder to start over."
        )
    saved_seeds = state.metadata["random"]["seed_generators"]
    if len(saved_seeds) != len(_seed_generators(model)):
        raise ValueError(
            f"The backup {source} was written for another model: it holds "
            f"the state of {len(saved_seeds)} seeded random generators, this "
            f"model has {len(_seed_generators(model))}. Delete the backup "
            "folder to start over."
        )


def check_same_data(state, iterator, source):
    """Raises a ValueError naming `source` when this `fit` batches its data
    differently from the one that wrote the backup: its position would
    point elsewhere."""
    saved = state.metadata.get("batches_per_epoch")
    current = _batches_per_epoch(iterator)
    order = state.arrays.get("data/order")
    samples = getattr(getattr(iterator, "adapter", None), "num_samples",
                      None)
    saved_samples = len(order) if order is not None else "?"
    if (saved is not None and current is not None and saved != current) or \
            (order is not None and samples is not None and
             len(order) != samples):
        raise ValueError(
            f"The backup {source} was written by a `fit` with {saved} "
            f"batches per epoch over {saved_samples} samples; this `fit` "
            f"has {current} batches over {samples}. "
            "Resume with the same data, `batch_size` and `steps_per_epoch`, "
            "or delete the backup folder to start over."
        )


def _batches_per_epoch(iterator):
    try:
        return None if iterator is None else int(iterator.num_batches)
    except (TypeError, ValueError):
        return None  # a source of unknown length


def data_position(state, device=None):
    """The `EpochIterator.state()` the backup was taken at."""
    meta = state.metadata
    order = state.arrays.get("data/order")
    pass_random = meta.get("pass_random")
    return {
        "step": meta["step"], "position": meta["position"],
        "order": None if order is None else
        torch.from_numpy(order).to(device),
        "random": None if pass_random is None else
        _snapshot("data/random", pass_random, state.arrays),
    }


def apply_weights(state, model):
    """Restores the model's tensors and the optimizer's state."""
    with torch.no_grad():
        for index, tensor in enumerate(model.state_dict().values()):
            _copy_into(tensor, state.arrays[f"model/{index}"])
    _apply_optimizer(model, state)


def apply_metrics(state, model):
    """Restores the metrics' accumulators (after the epoch reset them)."""
    variables = _metric_variables(model)
    if len(variables) != state.metadata["metrics"]:
        return False
    with torch.no_grad():
        for index, variable in enumerate(variables):
            _copy_into(variable, state.arrays[f"metrics/{index}"])
    return True


def apply_random(state, model):
    """Restores every random generator; the last thing done on resume."""
    saved = state.metadata["random"]
    set_global_random_state(_snapshot("random", saved, state.arrays))
    if saved["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([
            torch.from_numpy(state.arrays[f"random/cuda/{i}"])
            for i in range(saved["cuda"])
        ])
    for index, (_, generator) in enumerate(_seed_generators(model)):
        generator.set_state(
            torch.from_numpy(state.arrays[f"random/seed/{index}"]))
    for index, draws in enumerate(_mask_draws(model)):
        saved_draws = state.arrays.get(f"random/mask_draws/{index}")
        if saved_draws is not None:  # absent in older backups
            draws.fill_(int(saved_draws))


# -- Optimizer, metrics, random generators ------------------------------

def _capture_optimizer(optimizer, arrays):
    if optimizer is None:
        return {"kind": "none"}
    if hasattr(optimizer, "torch_optimizer"):
        if optimizer.torch_optimizer is None:
            return {"kind": "torch", "state": None}
        tree = _encode(optimizer.state_dict(), arrays, "optimizer")
        return {"kind": "torch", "state": tree}
    variables = optimizer.variables
    for index, variable in enumerate(variables):
        arrays[f"optimizer/{index}"] = _numpy(variable)
    return {"kind": "keras", "variables": len(variables),
            "built": bool(optimizer.built)}


def _apply_optimizer(model, state):
    saved = state.metadata["optimizer"]
    optimizer = model.optimizer
    if saved["kind"] == "none" or optimizer is None:
        return
    if saved["kind"] == "torch":
        if saved["state"] is not None:
            optimizer.build(model.trainable_weights)
            optimizer.load_state_dict(_decode(saved["state"], state.arrays))
        return
    with torch.no_grad():
        for index, variable in enumerate(_optimizer_variables(model, saved)):
            _copy_into(variable, state.arrays[f"optimizer/{index}"])


def _optimizer_variables(model, saved):
    """The optimizer's variables (built as they were when saved); None when
    their number differs from the backup's."""
    optimizer = model.optimizer
    if saved["built"] and not optimizer.built:
        edges = distribution_hook.active()
        if edges is not None:  # ModelParallel shards before slots are made
            edges.prepare_for_optimizer(model)
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    return variables if len(variables) == saved["variables"] else None


def _copy_into(target, array):
    source = torch.from_numpy(np.ascontiguousarray(array))
    if target.dtype == torch.bfloat16 and source.dtype == torch.int16:
        source = source.view(torch.bfloat16)
    if source.numel() != target.numel():
        raise ValueError(
            f"A saved value of shape {tuple(source.shape)} does not fit the "
            f"variable of shape {tuple(target.shape)}."
        )
    if hasattr(target, "full_tensor"):  # sharded: this rank keeps its shard
        from torch.distributed.tensor.experimental import implicit_replication

        with implicit_replication():
            target.copy_(source.reshape(target.shape))
        return
    target.copy_(source.reshape(target.shape))


def _metric_variables(model):
    """The metrics' state variables, in a fixed order (compiled metrics
    built lazily are included once built)."""
    variables = []
    for metric in getattr(model, "metrics", None) or []:
        if hasattr(metric, "variables"):
            variables.extend(metric.variables)
        else:
            for inner in getattr(metric, "metrics", []):
                variables.extend(inner.variables)
    return variables


def _seed_generators(model):
    """(key, torch.Generator) for every seeded SeedGenerator in `model`."""
    device = next((p.device for p in model.parameters()), None)
    found = []
    for module_name, module in model.named_modules():
        for attribute, value in sorted(vars(module).items()):
            if isinstance(value, SeedGenerator) and value.seed is not None:
                key = f"{module_name or 'model'}.{attribute}"
                found.append((key, value.generator(device)))
    return found


def _mask_draws(model):
    """The dropout-mask counters of the seeded SeedGenerators, in
    `_seed_generators`'s order."""
    return [value.mask_draws
            for _, module in model.named_modules()
            for _, value in sorted(vars(module).items())
            if isinstance(value, SeedGenerator) and value.seed is not None]


def _store_snapshot(prefix, snapshot, arrays):
    """Stores a `global_random_state()` under `prefix`; returns the
    metadata that completes it."""
    arrays[f"{prefix}/torch"] = snapshot["torch"].numpy()
    _, keys, pos, has_gauss, cached = snapshot["numpy"]
    arrays[f"{prefix}/numpy"] = np.asarray(keys, dtype=np.uint32)
    version, internal, gauss_next = snapshot["python"]
    arrays[f"{prefix}/python"] = np.asarray(internal, dtype=np.uint64)
    return {"numpy": {"pos": int(pos), "has_gauss": int(has_gauss),
                      "cached_gaussian": float(cached)},
            "python": {"version": version, "gauss_next": gauss_next}}


def _snapshot(prefix, meta, arrays):
    """The `global_random_state()` stored by `_store_snapshot`."""
    numpy_meta, python_meta = meta["numpy"], meta["python"]
    return {
        "torch": torch.from_numpy(arrays[f"{prefix}/torch"]),
        "numpy": ("MT19937", arrays[f"{prefix}/numpy"], numpy_meta["pos"],
                  numpy_meta["has_gauss"], numpy_meta["cached_gaussian"]),
        "python": (python_meta["version"],
                   tuple(int(v) for v in arrays[f"{prefix}/python"]),
                   python_meta["gauss_next"]),
    }


def _capture_random(model, arrays):
    meta = _store_snapshot("random", global_random_state(), arrays)
    cuda = 0
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states = torch.cuda.get_rng_state_all()
        cuda = len(states)
        for index, value in enumerate(states):
            arrays[f"random/cuda/{index}"] = value.numpy()
    seeds = []
    for index, (label, generator) in enumerate(_seed_generators(model)):
        arrays[f"random/seed/{index}"] = generator.get_state().numpy()
        seeds.append(label)
    for index, draws in enumerate(_mask_draws(model)):
        arrays[f"random/mask_draws/{index}"] = draws.numpy().copy()
    return {**meta, "cuda": cuda, "seed_generators": seeds}


def _numpy(tensor):
    if hasattr(tensor, "full_tensor"):  # sharded (ModelParallel): gathered
        tensor = tensor.full_tensor()
    tensor = torch.as_tensor(tensor).detach().cpu()
    if tensor.dtype == torch.bfloat16:
        # NumPy has no bfloat16: keep the bits.
        return tensor.view(torch.int16).numpy().copy()
    return tensor.numpy().copy()


def _encode(value, arrays, prefix):
    """A state dict as JSON, its tensors moved to `arrays`."""
    if torch.is_tensor(value):
        name = f"{prefix}/{len(arrays)}"
        arrays[name] = _numpy(value)
        return {"tensor": name, "dtype": str(value.dtype).split(".")[-1]}
    if isinstance(value, dict):
        return {"dict": [[_encode(k, arrays, prefix), _encode(v, arrays,
                                                                prefix)]
                         for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(v, arrays, prefix) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    raise ValueError(
        f"Cannot save optimizer state entry {value!r} of type "
        f"{type(value).__name__}: expected tensors, numbers, strings, "
        "lists and dicts."
    )


def _decode(node, arrays):
    if "tensor" in node:
        array = arrays[node["tensor"]]
        tensor = torch.from_numpy(array)
        if node["dtype"] == "bfloat16":
            tensor = tensor.view(torch.bfloat16)
        return tensor
    if "dict" in node:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in
                node["dict"]}
    if "list" in node:
        return [_decode(v, arrays) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, arrays) for v in node["tuple"])
    return node["value"]
