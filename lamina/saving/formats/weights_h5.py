"""Keras 3's weights file: `model.weights.h5` inside `.keras`, and `.weights.h5`.

Each saved object owns a group at its attribute path (`layers/dense`,
`optimizer`, the model itself at the root) holding `vars/0`, `vars/1`, ...;
the `vars` group carries the object's name as its `name` attribute. Lamina
stores every non-scalar dataset with HDF5's Fletcher32 checksum, which h5py
(and so Keras) verifies on every read, so a damaged file fails loudly
instead of loading wrong numbers.
"""

import contextlib
import os
import warnings
import zlib

import h5py
import numpy as np

from lamina.saving import file_io
from lamina.saving import state_tree

# As Keras: a larger dataset is refused (a small damaged or hostile file
# could declare a huge one).
_MAX_DATASET_BYTES = 1 << 32

# The attribute holding the checksum of a dataset HDF5 cannot filter.
_CRC32 = "lamina_crc32"

# Files from Keras 2.13-2.15 name the layer list this way.
_KERAS_2_LAYERS = "_layer_checkpoint_dependencies"


def _join(path, name):
    return f"{path}/{name}" if path else name


class _WriteEntry:
    """The `store` a `save_own_variables` writes into: key -> array."""

    def __init__(self, group):
        self.group = group

    def __setitem__(self, key, value):
        value = np.asarray(value)
        filtered = value.ndim > 0 and value.size > 0 and \
            value.dtype.kind in "biuf"
        dataset = self.group.create_dataset(
            str(key), data=value, fletcher32=filtered
        )
        if not filtered and value.dtype.kind in "biuf":
            # HDF5 filters need chunks, which a scalar cannot have: its
            # checksum goes in an attribute (Keras ignores it).
            dataset.attrs[_CRC32] = np.uint32(zlib.crc32(value.tobytes()))

    def __len__(self):
        return len(self.group)

    def keys(self):
        return list(self.group.keys())


class _ReadEntry:
    """The `store` a `load_own_variables` reads from; empty when the file
    has no group at that path."""

    def __init__(self, group, where, filename):
        self.group = group
        self.where = where
        self.filename = filename

    def keys(self):
        if self.group is None:
            return []
        return list(self.group.keys())

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return self.group is not None and str(key) in self.group

    def __getitem__(self, key):
        location = f"'{_join(self.where, str(key))}' in '{self.filename}'"
        if self.group is None or str(key) not in self.group:
            raise KeyError(f"The file has no dataset {location}.")
        _refuse_links(self.group, str(key), location)
        dataset = self.group[str(key)]
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"Expected a dataset at {location}, found a "
                             f"{type(dataset).__name__}.")
        if dataset.external or dataset.is_virtual:
            raise ValueError(
                f"Refusing to read dataset {location}: its data lives in "
                "other files.")
        size = dataset.size * dataset.dtype.itemsize
        if size > _MAX_DATASET_BYTES:
            raise ValueError(
                f"Refusing to read dataset {location}: it declares {size} "
                f"bytes, more than the {_MAX_DATASET_BYTES} Keras allows.")
        try:
            value = np.asarray(dataset[()])
            expected = dataset.attrs.get(_CRC32)
            if expected is not None and \
                    zlib.crc32(value.tobytes()) != int(expected):
                raise ValueError("its checksum does not match its data")
            if dataset.attrs.get("dtype") == "bfloat16":
                value = _bfloat16_to_float32(value, location)
            return value
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(
                f"Could not read dataset {location} (the file is damaged or "
                f"holds data of an unsupported type): {error}"
            ) from error


def _refuse_links(parent, name, location):
    """Weights files never hold soft or external links; following one could
    read another file on this machine."""
    link = parent.get(name, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise ValueError(
            f"Refusing to follow the {type(link).__name__} at {location}: "
            "weights files hold no links.")


def _bfloat16_to_float32(value, location):
    """Keras stores bfloat16 variables as 2-byte opaque data tagged
    `dtype="bfloat16"`: the upper half of a float32."""
    if value.dtype.itemsize != 2:
        raise ValueError(f"Dataset {location} is tagged bfloat16 but holds "
                         f"{value.dtype.itemsize}-byte items.")
    halves = np.frombuffer(value.tobytes(), dtype="<u2").reshape(value.shape)
    return (halves.astype("<u4") << 16).view("<f4")


class H5WeightsStore:
    """Reads or writes the per-object `vars` groups of an open h5py file."""

    def __init__(self, h5_file, filename="<memory>"):
        self.file = h5_file
        self.filename = filename

    def make(self, path, name=None):
        group = self.file.require_group(_join(path, "vars"))
        if name is not None:
            group.attrs["name"] = name
        return _WriteEntry(group)

    def get(self, path):
        where = _join(path, "vars")
        group = self._group(where)
        if group is None and "layers" in where.split("/") and \
                _KERAS_2_LAYERS in self.file:
            # Every model's layer list, nested ones included.
            where = "/".join(_KERAS_2_LAYERS if part == "layers" else part
                             for part in where.split("/"))
            group = self._group(where)
        return _ReadEntry(group, where, self.filename)

    def _group(self, where):
        try:
            parent = self.file
            for part in where.split("/"):
                if part not in parent:
                    return None
                _refuse_links(parent, part,
                              f"'{where}' in '{self.filename}'")
                parent = parent[part]
            group = parent
        except (OSError, ValueError, KeyError) as error:
            raise ValueError(
                f"Could not read group '{where}' of '{self.filename}' (the "
                f"file is damaged): {error}"
            ) from error
        return group if isinstance(group, h5py.Group) else None


@contextlib.contextmanager
def open_h5(filepath, what="weights file"):
    """Opens an HDF5 file for reading, with errors that name the file."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such {what}: '{filepath}'.")
    if os.path.isdir(filepath):
        raise IsADirectoryError(
            f"Expected a {what}, but '{filepath}' is a directory.")
    try:
        h5_file = h5py.File(filepath, "r")
    except (OSError, ValueError) as error:
        raise ValueError(
            f"'{filepath}' is not a readable HDF5 {what} (it is empty, "
            f"truncated, damaged or of another format): {error}"
        ) from error
    with h5_file:
        yield h5_file


def write_weights(model, h5_file, filename="<memory>", skip_optimizer=False,
                  objects_to_skip=None):
    state_tree.save_state(model, H5WeightsStore(h5_file, filename),
                          skip_optimizer=skip_optimizer,
                          objects_to_skip=objects_to_skip)


def read_weights(model, h5_file, filename="<memory>", skip_mismatch=False,
                 assets_store=None, skip_optimizer=False,
                 objects_to_skip=None):
    failures = state_tree.load_state(
        model, H5WeightsStore(h5_file, filename), assets_store,
        skip_mismatch=skip_mismatch, skip_optimizer=skip_optimizer,
        objects_to_skip=objects_to_skip,
    )
    report_failures(failures, filename)


def report_failures(failures, filename):
    """Warns about each object `skip_mismatch` left unloaded."""
    for obj, error in failures:
        warnings.warn(
            f"Skipped loading the weights of {type(obj).__name__} "
            f"'{getattr(obj, 'name', '')}' from '{filename}': {error}",
            stacklevel=3,
        )


def save_weights(model, filepath, objects_to_skip=None):
    """Writes `model`'s weights (and optimizer state) to a `.weights.h5`."""
    filepath = os.fspath(filepath)
    with file_io.atomic_path(filepath) as temp_path:
        with h5py.File(temp_path, "w") as h5_file:
            write_weights(model, h5_file, filepath,
                          objects_to_skip=objects_to_skip)


def load_weights(model, filepath, skip_mismatch=False, objects_to_skip=None):
    """Reads a `.weights.h5` written by Keras 3 or Lamina into `model`."""
    with open_h5(filepath) as h5_file:
        read_weights(model, h5_file, os.fspath(filepath),
                     skip_mismatch=skip_mismatch,
                     objects_to_skip=objects_to_skip)
