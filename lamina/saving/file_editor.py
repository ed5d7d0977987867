"""`KerasFileEditor`: inspect and edit the weights of a `.keras` or
`.weights.h5` file, e.g. to adapt an old file to a changed architecture.

The weights are held as nested dicts that follow the file's object paths:
`editor.weights_dict["layers"]["dense"]["0"]` is the kernel of the model's
first Dense layer. An object's own variables and its child objects sit in
the same dict, so nested layers and models keep their weights on resave.
"""

import math
import os

import h5py
import numpy as np

from lamina.saving import file_io
from lamina.saving import state_tree
from lamina.saving.formats import keras_zip
from lamina.saving.formats import weights_h5

_MAX_DATASET_BYTES = 1 << 32


def _read_group(group, path, names):
    """Nested dict of a weights group; fills `names` {path: object name}."""
    result = {}
    for key in group:
        link = group.get(key, getlink=True)
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            raise ValueError(
                f"Refusing to read '{path}/{key}': the file holds a "
                f"{type(link).__name__}, which weights files never contain.")
        child = group[key]
        child_path = f"{path}/{key}" if path else key
        if isinstance(child, h5py.Group):
            if key == "vars":
                name = child.attrs.get("name")
                if name is not None:
                    names[path] = name.decode() if isinstance(name, bytes) \
                        else str(name)
                result.update(_read_vars(child, child_path))
            else:
                nested = _read_group(child, child_path, names)
                if nested:
                    result[key] = nested
    return result


def _read_vars(group, path):
    values = {}
    for key in group:
        dataset = group[key]
        where = f"{path}/{key}"
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"Expected a dataset at '{where}'.")
        if dataset.external or dataset.is_virtual:
            raise ValueError(
                f"Refusing to read '{where}': it refers to data outside the "
                "file.")
        size = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
        if size > _MAX_DATASET_BYTES:
            raise ValueError(
                f"Refusing to read '{where}': it declares {size} bytes.")
        values[key] = np.asarray(dataset[()])
    return values


def _is_object(value):
    return isinstance(value, dict)


class KerasFileEditor:
    """Inspects, edits and resaves the weights of a Keras weights file.

    Args:
        filepath: a `.keras` or `.weights.h5` file.

    Example:
        editor = KerasFileEditor("model.weights.h5")
        editor.summary()
        editor.delete_object("layers/dense_2")
        editor.add_object("layers/einsum_dense", weights={"0": kernel})
        editor.save("edited.weights.h5")
    """

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        self.config = None
        self.metadata = None
        self.object_metadata = {}
        names = {}
        if self.filepath.endswith(".keras"):
            with keras_zip.open_archive(self.filepath) as archive:
                self.config = archive.read_json(keras_zip.CONFIG)
                self.metadata = archive.read_json(keras_zip.METADATA)
                with keras_zip.open_weights(archive) as h5_file:
                    self.weights_dict = _read_group(h5_file, "", names)
        elif self.filepath.endswith(".weights.h5"):
            with weights_h5.open_h5(self.filepath) as h5_file:
                self.weights_dict = _read_group(h5_file, "", names)
        else:
            raise ValueError(
                "Invalid filename: expected a `.keras` or `.weights.h5` "
                f"extension. Received: filepath={self.filepath}")
        self.object_metadata = {path: {"name": name}
                                for path, name in names.items()}
        print(f"Keras model file '{self.filepath}'")
        if self.metadata:
            print(f"Saved with Keras {self.metadata.get('keras_version')} - "
                  f"date: {self.metadata.get('date_saved')}")

    # ------------------------------------------------------------ viewing

    def summary(self):
        """Prints the tree of objects and weights in the file."""
        print("Weights structure")
        self._print_tree(self.weights_dict, "", "  ")

    def _print_tree(self, weights, path, prefix):
        items = list(weights.items())
        for i, (key, value) in enumerate(items):
            last = i == len(items) - 1
            connector = "└─ " if last else "├─ "
            child_path = f"{path}/{key}" if path else key
            if _is_object(value):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(child_path, {}).get("name")
                print(label + (f" ('{name}')" if name else ""))
                self._print_tree(value, child_path,
                                 prefix + ("    " if last else "│   "))
            else:
                print(f"{prefix}{connector}{key}: shape={value.shape}, "
                      f"dtype={value.dtype}")

    def compare(self, reference_model):
        """Lists the differences between the file and a model's weights.

        Returns:
            A dict with `status` ("success" or "error"), `error_count` and
            `match_count`.
        """
        print("Running comparison")
        reference = _weights_spec(reference_model)
        errors, matches = _compare(self.weights_dict, reference, "",
                                   "saved file", "reference model")
        extra, _ = _compare(reference, self.weights_dict, "",
                            "reference model", "saved file", shapes=False)
        errors += extra
        if errors:
            print(f"Found {errors} error{'s' * (errors != 1)}: saved file is "
                  "not compatible with the reference model")
        else:
            print("Comparison successful: saved file is compatible with the "
                  "reference model")
            print(f"    Found {matches} matching weight"
                  f"{'s' * (matches != 1)}")
        return {"status": "error" if errors else "success",
                "error_count": errors, "match_count": matches}

    # ------------------------------------------------------------ editing

    def _locate(self, name):
        """(parent dict, key) of an object given by path or unique name."""
        if "/" in name:
            *parents, leaf = name.split("/")
            parent = self.weights_dict
            for part in parents:
                parent = parent.get(part) if _is_object(parent) else None
                if not _is_object(parent):
                    break
            if not _is_object(parent) or leaf not in parent:
                raise ValueError(f"Path '{name}' not found in the file.")
            return [(parent, leaf)]
        found = []

        def search(weights):
            for key, value in weights.items():
                if key == name:
                    found.append((weights, key))
                if _is_object(value):
                    search(value)

        search(self.weights_dict)
        if not found:
            raise ValueError(
                f"Name '{name}' does not appear in the file. Use "
                "`editor.summary()` to list its objects.")
        if len(found) > 1:
            raise ValueError(
                f"Name '{name}' occurs more than once in the file; pass its "
                "complete path instead.")
        return found

    def rename_object(self, object_name, new_name):
        """Renames an object, given by name or path (`"layers/dense_2"`)."""
        if "/" in new_name:
            raise ValueError(
                "Argument `new_name` should be a leaf name, not a full path. "
                f"Received: new_name='{new_name}'")
        for parent, key in self._locate(object_name):
            parent[new_name] = parent.pop(key)

    def delete_object(self, object_name):
        """Removes an object (e.g. a layer), given by name or path."""
        for parent, key in self._locate(object_name):
            parent.pop(key)

    def add_object(self, object_path, weights):
        """Adds an object at `object_path` with `weights` ({"0": array})."""
        weights = _checked_weights(weights)
        *parents, leaf = object_path.split("/")
        parent = self.weights_dict
        for part in parents:
            parent = parent.get(part)
            if not _is_object(parent):
                raise ValueError(
                    f"Path '{'/'.join(parents)}' not found in the file.")
        parent[leaf] = weights

    def delete_weight(self, object_name, weight_name):
        """Removes one weight (e.g. `"0"`) from an object."""
        for parent, key in self._locate(object_name):
            target = parent[key]
            if weight_name not in target or _is_object(target[weight_name]):
                raise ValueError(
                    f"Weight {weight_name} not found in object {object_name}. "
                    f"Weights found: {[k for k, v in target.items() if not _is_object(v)]}")  # noqa: E501
            target.pop(weight_name)

    def add_weights(self, object_name, weights):
        """Adds weights ({"2": array}) to an existing object."""
        weights = _checked_weights(weights)
        for parent, key in self._locate(object_name):
            parent[key].update(weights)

    # ------------------------------------------------------------ saving

    def save(self, filepath):
        """Writes the edited weights to a `.weights.h5` file."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(
                "Invalid `filepath` argument: expected a `.weights.h5` "
                f"extension. Received: filepath={filepath}")
        with file_io.atomic_path(filepath) as temp_path:
            with h5py.File(temp_path, "w") as h5_file:
                store = weights_h5.H5WeightsStore(h5_file, filepath)
                self._write(self.weights_dict, store, "")

    resave_weights = save

    def _write(self, weights, store, path):
        own = {k: v for k, v in weights.items() if not _is_object(v)}
        name = self.object_metadata.get(path, {}).get("name")
        if own or name is not None:
            entry = store.make(path, name=name)
            for key, value in own.items():
                entry[key] = value
        for key, value in weights.items():
            if _is_object(value):
                self._write(value, store, f"{path}/{key}" if path else key)


def _checked_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names "
            "(usually '0', '1', etc.) and values are NumPy arrays. Received: "
            f"type(weights)={type(weights)}")
    return {str(k): np.asarray(v) for k, v in weights.items()}


def _weights_spec(model):
    """The nested dict a file of `model` would hold (arrays as values)."""
    spec = {}
    for path, obj in state_tree.walk(model):
        store = {}
        state_tree.save_own_variables(obj, store)
        if not store:
            continue
        target = spec
        for part in path.split("/") if path else []:
            target = target.setdefault(part, {})
        target.update(store)
    return spec


def _compare(target, reference, path, target_name, reference_name,
             shapes=True):
    errors = matches = 0
    for key, value in reference.items():
        where = f"{path}/{key}" if path else key
        if key not in target:
            errors += 1
            kind = "Object" if _is_object(value) else "Weight"
            print(f"...{kind} {where} present in {reference_name}, missing "
                  f"from {target_name}")
        elif _is_object(value):
            if _is_object(target[key]):
                more_errors, more_matches = _compare(
                    target[key], value, where, target_name, reference_name,
                    shapes)
                errors += more_errors
                matches += more_matches
        elif shapes and np.shape(target[key]) != np.shape(value):
            errors += 1
            print(f"...Weight shape mismatch for {where}\n"
                  f"    In {reference_name}: shape={np.shape(value)}\n"
                  f"    In {target_name}: shape={np.shape(target[key])}")
        else:
            matches += 1
    return errors, matches
