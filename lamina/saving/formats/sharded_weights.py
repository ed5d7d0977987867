"""Keras 3's sharded weights: `<base>.weights.json` and its shards.

`save_weights("model.weights.json", max_shard_size=GB)` splits the weights
file into `model_00000.weights.h5`, `model_00001.weights.h5`, ... each at
most `max_shard_size` gigabytes and laid out like a `.weights.h5`. The JSON
index maps each `vars` group to the shard (or shards) that hold it:

    {"metadata": {"total_size": <bytes>},
     "weight_map": {"/layers/dense/vars": "model_00000.weights.h5", ...}}
"""

import contextlib
import json
import os

import h5py
import numpy as np

from lamina.saving import file_io
from lamina.saving import state_tree
from lamina.saving.formats import weights_h5


def _base_name(index_path):
    stem = os.path.basename(index_path)
    for suffix in (".json", ".h5"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return stem[: -len(".weights")] if stem.endswith(".weights") else stem


def _group_key(path):
    return f"/{path}/vars" if path else "/vars"


class _ShardWriter:
    """Writes datasets into numbered shard files, starting a new shard when
    the next array would exceed `max_bytes`."""

    def __init__(self, index_path, max_bytes, stack):
        self.folder = os.path.dirname(os.path.abspath(index_path))
        self.base = _base_name(index_path)
        self.max_bytes = max_bytes
        self.stack = stack
        self.weight_map = {}
        self.total = 0
        self.count = 0
        self.size = 0
        self.file = None
        self.name = None
        self._next_shard()

    def _next_shard(self):
        self.name = f"{self.base}_{self.count:05}.weights.h5"
        self.count += 1
        temp_path = self.stack.enter_context(file_io.atomic_path(
            os.path.join(self.folder, self.name)))
        self.file = self.stack.enter_context(h5py.File(temp_path, "w"))
        self.size = 0

    def make(self, path, name=None):
        return _ShardEntry(self, path, name)

    def write(self, path, name, key, value):
        value = np.asarray(value)
        if value.nbytes > self.max_bytes:
            raise ValueError(
                f"The size of {key} is {value.nbytes} bytes, which exceeds "
                f"the maximum shard size of {self.max_bytes:.0f} bytes. You "
                "can increase `max_shard_size` to accommodate it.")
        if self.size and self.size + value.nbytes > self.max_bytes:
            self._next_shard()
        self.size += value.nbytes
        self.total += value.nbytes
        store = weights_h5.H5WeightsStore(self.file, self.name)
        store.make(path, name=name)[key] = value
        files = self.weight_map.setdefault(_group_key(path), [])
        if self.name not in files:
            files.append(self.name)

    def index(self):
        weight_map = {key: files[0] if len(files) == 1 else files
                      for key, files in self.weight_map.items()}
        return {"metadata": {"total_size": self.total},
                "weight_map": weight_map}


class _ShardEntry:
    def __init__(self, writer, path, name):
        self.writer, self.path, self.name = writer, path, name

    def __setitem__(self, key, value):
        self.writer.write(self.path, self.name, str(key), value)


def save_weights(model, filepath, max_shard_size, objects_to_skip=None):
    """Writes the index at `filepath` and the shards beside it."""
    filepath = os.fspath(filepath)
    if not isinstance(max_shard_size, (int, float)) or max_shard_size <= 0:
        raise ValueError(
            "`max_shard_size` must be a positive number of gigabytes. "
            f"Received: max_shard_size={max_shard_size!r}")
    # Each shard is renamed into place when complete; the index last.
    with contextlib.ExitStack() as stack:
        writer = _ShardWriter(filepath, float(max_shard_size) * 1024 ** 3,
                              stack)
        state_tree.save_state(model, writer, objects_to_skip=objects_to_skip)
        index = writer.index()
    with file_io.atomic_path(filepath) as temp_path:
        with open(temp_path, "w") as f:
            json.dump(index, f, indent=4)


class _ShardReader:
    """Reads each object's `vars` from the shards the index names."""

    def __init__(self, index_path, stack):
        self.folder = os.path.dirname(os.path.abspath(index_path))
        self.index_path = index_path
        self.stack = stack
        self.files = {}
        try:
            with open(index_path, encoding="utf-8") as f:
                index = json.load(f)
            self.weight_map = dict(index["weight_map"])
        except FileNotFoundError:
            raise FileNotFoundError(
                f"No such weights file: '{index_path}'.") from None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise ValueError(
                f"'{index_path}' is not a sharded-weights index (a JSON "
                f"object with a 'weight_map'): {error}") from error

    def _shard(self, filename):
        if not isinstance(filename, str) or os.path.basename(filename) != \
                filename:
            raise ValueError(
                f"The index '{self.index_path}' names the shard "
                f"{filename!r}; shards must be files beside the index.")
        if filename not in self.files:
            self.files[filename] = self.stack.enter_context(
                weights_h5.open_h5(os.path.join(self.folder, filename)))
        return self.files[filename]

    def get(self, path):
        filenames = self.weight_map.get(_group_key(path)) or []
        if not isinstance(filenames, list):
            filenames = [filenames]
        entries = [weights_h5.H5WeightsStore(self._shard(name), name).get(path)
                   for name in filenames]
        return _MergedEntry(entries)


class _MergedEntry:
    """One object's variables spread over several shards."""

    def __init__(self, entries):
        self.entries = entries

    def keys(self):
        return [key for entry in self.entries for key in entry.keys()]

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return any(key in entry for entry in self.entries)

    def __getitem__(self, key):
        for entry in self.entries:
            if key in entry:
                return entry[key]
        raise KeyError(f"No shard holds the variable '{key}'.")


def load_weights(model, filepath, skip_mismatch=False, objects_to_skip=None):
    """Reads a sharded weights file written by Keras 3 or Lamina."""
    filepath = os.fspath(filepath)
    with contextlib.ExitStack() as stack:
        store = _ShardReader(filepath, stack)
        weights_h5.report_failures(
            state_tree.load_state(model, store, skip_mismatch=skip_mismatch,
                                  objects_to_skip=objects_to_skip),
            filepath)
