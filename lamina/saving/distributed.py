"""Saving and loading a model whose variables are sharded across
processes (`keras.distribution.ModelParallel`: FSDP2's DTensor parameters).

Every process calls `save`, `save_weights` and `load_weights`, as the same
script runs in each: reading a sharded variable gathers its shards from
every process (a collective), so each process walks the model in the same
order; rank 0 alone writes the file, in Keras's usual layout (whole
variables), while the others write to a throwaway folder. Loading reads the
whole file in every process; each keeps its own shard of every sharded
variable, with no communication.
"""

import contextlib
import os
import tempfile

import torch.distributed as dist

from lamina.utils.fsdp_units import reshard_units


def saved_class(obj):
    """`obj`'s class, as files name it: FSDP swaps a sharded layer's class
    for a subclass of its own making, `(FSDPModule, cls)`."""
    cls = type(obj)
    while cls.__module__.startswith("torch.distributed.fsdp") and \
            len(cls.__bases__) > 1:
        cls = cls.__bases__[-1]
    return cls


def _in_process_group():
    return dist.is_available() and dist.is_initialized()


def is_sharded(model):
    """True when some variable of `model` is a DTensor (sharded)."""
    if not _in_process_group():
        return False
    from torch.distributed.tensor import DTensor

    return any(isinstance(w, DTensor) for w in model.weights)


@contextlib.contextmanager
def writing(model, filepath):
    """The path this process writes `filepath` to: `filepath` itself, but
    under sharding a throwaway path on ranks other than 0; every process
    has finished once the block ends (the file is whole for all)."""
    if not is_sharded(model):
        yield filepath
        return
    check_writable(model, filepath)
    reshard_units(model)
    failure = None
    try:
        if dist.get_rank() == 0:
            yield filepath
        else:
            with tempfile.TemporaryDirectory() as folder:
                yield os.path.join(folder, os.path.basename(filepath))
    except Exception as error:
        failure = f"{type(error).__name__}: {error}"
        raise
    finally:
        # In place of a barrier: every process learns of another's failure.
        failures = [None] * dist.get_world_size()
        dist.all_gather_object(failures, failure)
        if failure is None:
            _raise_failure(filepath, failures)


def check_writable(model, filepath):
    """Under sharding, raises in every process where rank 0 cannot write
    `filepath`'s folder: rank 0 alone would find out, and the others would
    wait for it in the gathering for ever."""
    if not is_sharded(model):
        return
    box = [_writable(filepath) if dist.get_rank() == 0 else None]
    dist.broadcast_object_list(box, src=0)
    _raise_failure(filepath, box)


def rank_zero_decides(model, decide):
    """`decide()`'s answer: under sharding, rank 0's, given to every
    process (the others do not call it), so that they all take the same
    path through a save."""
    if not is_sharded(model):
        return decide()
    box = [None]
    if dist.get_rank() == 0:
        try:
            box = [("answer", decide())]
        except Exception as error:
            box = [("failure", f"{type(error).__name__}: {error}")]
    dist.broadcast_object_list(box, src=0)
    kind, value = box[0]
    if kind == "failure":
        raise RuntimeError(
            f"Rank 0 failed to decide whether to save the sharded model: "
            f"{value}")
    return value


def _writable(filepath):
    """None where the folder of `filepath` can take a new file, else why
    not."""
    try:
        folder = os.path.dirname(os.path.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    return None


def _raise_failure(filepath, failures):
    """Raises, in every process, the failure one process met (`failures`
    by rank: None where it had none)."""
    for rank, failure in enumerate(failures):
        if failure is not None:
            raise OSError(
                f"Saving the sharded model to '{filepath}' failed in process "
                f"{rank} (every process gathers the sharded variables; rank "
                f"0 writes the file): {failure}")


@contextlib.contextmanager
def loading(model=None):
    """Assigning whole values to sharded variables: each process keeps
    its shard (the values are read as replicated, torch's
    `implicit_replication`). `model`: the model loaded into; None for one
    that `load_model` makes, which ModelParallel may shard on the way
    (before building its optimizer)."""
    if not (is_sharded(model) if model is not None else
            _in_process_group()):
        yield
        return
    from torch.distributed.tensor.experimental import implicit_replication

    if model is not None:
        reshard_units(model)
    with implicit_replication():
        yield
