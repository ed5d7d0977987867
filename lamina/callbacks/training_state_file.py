"""The file of a `TrainingState`: one HDF5 file, no pickle.

Tensors are datasets with HDF5's Fletcher32 checksum filter; the metadata
is JSON stored as a checksummed byte dataset. Any damage to the file is
found when it is read, and reported as a ValueError naming the file.
"""

import json

import h5py
import numpy as np

from lamina.callbacks.training_state import FORMAT
from lamina.callbacks.training_state import VERSION
from lamina.callbacks.training_state import TrainingState

_METADATA = "metadata.json"



def write(path, state):
    """Writes `state` to the HDF5 file `path` (every dataset checksummed)."""
    with h5py.File(path, "w") as file:
        text = json.dumps(state.metadata).encode("utf-8")
        _dataset(file, _METADATA, np.frombuffer(text, dtype=np.uint8))
        for name, array in state.arrays.items():
            _dataset(file, name, array)


def _dataset(file, name, array):
    array = np.asarray(array)
    shape = array.shape
    if array.size == 0:
        file.create_dataset(name, data=array)
    else:
        # Fletcher32 needs chunked storage, which scalars cannot have.
        dataset = file.create_dataset(name, data=array.reshape(-1),
                                      fletcher32=True)
        dataset.attrs["shape"] = np.asarray(shape, dtype=np.int64)


def read(path):
    """Reads a file written by `write`; a ValueError naming `path` says
    what is wrong when it is damaged or not such a file."""
    try:
        with h5py.File(path, "r") as file:
            if _METADATA not in file:
                raise ValueError("it holds no training-state metadata")
            text = bytes(file[_METADATA][()]).decode("utf-8")
            metadata = json.loads(text)
            if not isinstance(metadata, dict) or \
                    metadata.get("format") != FORMAT:
                raise ValueError("it is not a Lamina training-state file")
            if metadata.get("version") != VERSION:
                raise ValueError(
                    f"its format version {metadata.get('version')!r} is not "
                    f"the supported version {VERSION}")
            arrays = {}
            file.visititems(lambda name, item: _collect(name, item, arrays))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError,
            RuntimeError) as error:
        raise ValueError(
            f"The backup file {path} is damaged or is not a backup written "
            f"by BackupAndRestore: {error}"
        ) from error
    state = TrainingState(metadata, arrays)
    _check_complete(state, path)
    return state


def _collect(name, item, arrays):
    if not isinstance(item, h5py.Dataset) or name == _METADATA:
        return
    array = item[()]
    if "shape" in item.attrs:
        array = array.reshape(tuple(int(d) for d in item.attrs["shape"]))
    arrays[name] = array


def _check_complete(state, path):
    """Every array the metadata refers to is present."""
    meta = state.metadata
    try:
        needed = [f"model/{i}" for i in range(len(meta["weights"]))]
        needed += [f"metrics/{i}" for i in range(meta["metrics"])]
        if meta["optimizer"]["kind"] == "keras":
            needed += [f"optimizer/{i}"
                       for i in range(meta["optimizer"]["variables"])]
        rand = meta["random"]
        needed += ["random/torch", "random/numpy", "random/python"]
        needed += [f"random/cuda/{i}" for i in range(rand["cuda"])]
        if meta.get("pass_random") is not None:
            needed += ["data/random/torch", "data/random/numpy",
                       "data/random/python"]
        needed += [f"random/seed/{i}"
                   for i in range(len(rand["seed_generators"]))]
        for key in ("epoch", "step", "position"):
            if not isinstance(meta[key], int) or meta[key] < 0:
                raise ValueError(f"'{key}' is {meta[key]!r}")
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"The backup file {path} is damaged: its metadata lacks "
            f"{error}."
        ) from None
    except ValueError as error:
        raise ValueError(
            f"The backup file {path} is damaged: {error}.") from None
    missing = [name for name in needed if name not in state.arrays]
    if missing:
        raise ValueError(
            f"The backup file {path} is damaged: it lacks {missing[:5]}."
        )
