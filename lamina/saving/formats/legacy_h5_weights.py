"""Layer weights in legacy HDF5: the `model_weights` group of a `.h5` model
file, which is also the root of a Keras 2 weights-only `.h5` file.

Layout (Keras 2 and Keras 3's legacy writer alike): the group's
`layer_names` attribute lists `model.layers` in order; each layer has a
group whose `weight_names` attribute lists its weights, trainable first,
then non-trainable, and each weight is a dataset at the path its name gives
inside that group. Keras 2 names end in `:0` and follow TF's variable
scopes (`lstm/lstm_cell/kernel:0`); Keras 3 writes variable paths
(`sequential/dense/kernel`). Names are not stable across versions, so
weights are matched by position within a layer.

Lamina writes every non-scalar dataset with HDF5's Fletcher32 checksum, so
a damaged file fails to read instead of loading wrong numbers.
"""

import warnings
import zlib

import h5py
import numpy as np
import torch

from lamina.layers.variable import to_numpy

# HDF5 object headers hold at most 64 KiB; Keras splits longer attributes
# into `name0`, `name1`, ... chunks of this many bytes.
_ATTRIBUTE_LIMIT = 64512
KERAS_VERSION = "3.15.1"
BACKEND = "torch"
# The attribute holding the CRC32 of a dataset HDF5 cannot filter (a
# scalar); Keras ignores it. The same name as in `.weights.h5` files.
CRC32 = "lamina_crc32"


class LegacyH5Error(ValueError):
    """A legacy `.h5` file that cannot be read, or that does not fit."""


# ----------------------------------------------------------------------
# Attributes
def decode(value):
    """A str from an HDF5 string attribute (vlen str, bytes, numpy.bytes_)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return decode(value[()])
    return value


def read_string_list(group, name):
    """The strings stored under attribute `name`, joining Keras's chunks."""
    if name in group.attrs:
        values = group.attrs[name]
    else:
        values, index = [], 0
        while f"{name}{index}" in group.attrs:
            values.extend(group.attrs[f"{name}{index}"])
            index += 1
        if not index:
            return None
    values = np.atleast_1d(values)
    if values.dtype.kind == "f" and values.size == 0:
        return []  # Keras writes an empty list as float64 (0,)
    return [decode(v) for v in values]


def write_string_list(group, name, values):
    """Writes strings as a vlen-UTF-8 attribute (an empty list as float64
    (0,), as Keras does), chunked when it exceeds the header limit."""
    if not values:
        group.attrs[name] = np.zeros((0,), dtype="float64")
        return
    encoded = [v.encode("utf-8") for v in values]
    too_long = [v for v in encoded if len(v) > _ATTRIBUTE_LIMIT]
    if too_long:
        raise LegacyH5Error(
            f"Cannot save the attribute '{name}': the name "
            f"{too_long[0][:60]!r}... is longer than {_ATTRIBUTE_LIMIT} bytes."
        )
    chunks, current, size = [], [], 0
    for value in values:
        length = len(value.encode("utf-8")) + 16
        if current and size + length > _ATTRIBUTE_LIMIT:
            chunks.append(current)
            current, size = [], 0
        current.append(value)
        size += length
    chunks.append(current)
    dtype = h5py.string_dtype("utf-8")
    if len(chunks) == 1:
        group.attrs.create(name, np.array(chunks[0], dtype=dtype))
        return
    for index, chunk in enumerate(chunks):
        group.attrs.create(f"{name}{index}", np.array(chunk, dtype=dtype))


# ----------------------------------------------------------------------
# Datasets
def write_dataset(group, name, value):
    """Writes an array; non-scalar, non-empty ones with a Fletcher32
    checksum (HDF5 filters need chunked storage, which a scalar lacks; a
    scalar's CRC32 goes in an attribute instead)."""
    value = np.asarray(value)
    if value.ndim and value.size:
        group.create_dataset(name, data=value, chunks=value.shape,
                             fletcher32=True)
    else:
        dataset = group.create_dataset(name, data=value)
        dataset.attrs[CRC32] = np.uint32(zlib.crc32(value.tobytes()))


def read_dataset(group, name, filepath, where):
    """Reads dataset `name`; a missing or damaged dataset is a clear error."""
    try:
        dataset = group[name]
    except (KeyError, ValueError) as error:
        raise LegacyH5Error(
            f"The file {filepath} is missing the weight '{name}' of {where} "
            f"(listed in its `weight_names`): {error}"
        ) from None
    if not isinstance(dataset, h5py.Dataset):
        raise LegacyH5Error(
            f"In the file {filepath}, '{name}' of {where} should be a "
            f"dataset, but it is a {type(dataset).__name__}."
        )
    try:
        value = np.asarray(dataset[()])
        expected = dataset.attrs.get(CRC32)
        if expected is not None and zlib.crc32(value.tobytes()) != int(
                expected):
            raise ValueError("its checksum does not match its data")
        return value
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        raise LegacyH5Error(
            f"Could not read the weight '{name}' of {where} from "
            f"{filepath}: the file is damaged ({error})."
        ) from None


def unique_names(names):
    """`names` with repeats suffixed `_1`, `_2` (datasets need unique paths)."""
    seen, result = {}, []
    for name in names:
        candidate, count = name, seen.get(name, 0)
        while candidate in seen:
            count += 1
            candidate = f"{name}_{count}"
        seen[name] = count
        seen[candidate] = 0
        result.append(candidate)
    return result


# ----------------------------------------------------------------------
# Model weights
def legacy_weights(layer):
    """A layer's weights in legacy order: trainable, then non-trainable."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def top_level_weights(model):
    """The model's own weights (not those of any of its layers)."""
    owned = {id(w) for layer in model.layers for w in layer.weights}
    return [w for w in legacy_weights(model) if id(w) not in owned]


def save_weights_to_group(group, model):
    """Writes `model`'s weights in Keras 3's legacy layout."""
    layers = list(model.layers)
    write_string_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in sorted(layers, key=lambda layer: layer.name):
        _save_subset(group.create_group(layer.name), legacy_weights(layer))
    _save_subset(group.create_group("top_level_model_weights"),
                 top_level_weights(model))


def _save_subset(group, weights):
    names = unique_names([str(getattr(w, "path", None) or w.name)
                          for w in weights])
    write_string_list(group, "weight_names", names)
    for name, weight in zip(names, weights):
        write_dataset(group, name, to_numpy(weight))  # sharded: gathered


def load_weights_from_group(group, model, filepath, by_name=False,
                            skip_mismatch=False):
    """Loads a `model_weights` group (or weights-only file root) into
    `model`: by position among the layers that have weights, or by layer
    name with `by_name=True`."""
    if not model.built:
        raise LegacyH5Error(
            f"Cannot load the weights of {filepath} into model "
            f"'{model.name}': it is not built yet. Build it first (call it "
            "on data, or pass an `Input`/`input_shape`)."
        )
    layer_names = read_string_list(group, "layer_names")
    if layer_names is None:
        raise LegacyH5Error(
            f"The file {filepath} is not a legacy Keras HDF5 weights file: "
            "it has no `layer_names` attribute."
        )
    saved = []
    for name in layer_names:
        if name not in group or not isinstance(group[name], h5py.Group):
            raise LegacyH5Error(
                f"The file {filepath} lists layer '{name}' in `layer_names`, "
                "but has no group for it."
            )
        weight_names = read_string_list(group[name], "weight_names") or []
        if weight_names:
            saved.append((name, weight_names))
    if by_name:
        _load_by_name(group, model, saved, filepath, skip_mismatch)
    else:
        _load_by_position(group, model, saved, filepath, skip_mismatch)
    _load_top_level(group, model, filepath, skip_mismatch)


def _load_by_position(group, model, saved, filepath, skip_mismatch):
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(saved):
        raise LegacyH5Error(
            f"Layer count mismatch when loading weights from {filepath}: "
            f"the model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]}), the file has "
            f"{len(saved)} ({[name for name, _ in saved]})."
        )
    assignments = []
    for layer, (name, weight_names) in zip(layers, saved):
        values = _read_layer(group[name], name, weight_names, filepath)
        assignments += _match(layer, values, name, filepath, skip_mismatch)
    _assign(assignments)


def _load_by_name(group, model, saved, filepath, skip_mismatch):
    by_name = {layer.name: layer for layer in model.layers}
    assignments = []
    for name, weight_names in saved:
        layer = by_name.get(name)
        if layer is None:
            continue
        values = _read_layer(group[name], name, weight_names, filepath)
        assignments += _match(layer, values, name, filepath, skip_mismatch)
    _assign(assignments)


def _load_top_level(group, model, filepath, skip_mismatch):
    if "top_level_model_weights" not in group:
        return
    top = group["top_level_model_weights"]
    weight_names = read_string_list(top, "weight_names") or []
    if not weight_names and not top_level_weights(model):
        return
    values = _read_layer(top, "top_level_model_weights", weight_names,
                         filepath)
    own = top_level_weights(model)
    _assign(_pairs(own, values, f"model '{model.name}'", filepath,
                   skip_mismatch))


def _read_layer(layer_group, name, weight_names, filepath):
    return [read_dataset(layer_group, weight_name, filepath,
                         f"layer '{name}'") for weight_name in weight_names]


def _match(layer, values, saved_name, filepath, skip_mismatch):
    return _pairs(legacy_weights(layer), values,
                  f"layer '{layer.name}' (saved as '{saved_name}')",
                  filepath, skip_mismatch)


def _pairs(weights, values, where, filepath, skip_mismatch):
    if len(weights) != len(values):
        message = (
            f"Weight count mismatch for {where} when loading {filepath}: "
            f"the layer expects {len(weights)} weights "
            f"{[tuple(w.shape) for w in weights]}, the file has "
            f"{len(values)} {[v.shape for v in values]}."
        )
        if skip_mismatch:
            warnings.warn("Skipping " + message, stacklevel=3)
            return []
        raise LegacyH5Error(message)
    pairs = []
    for weight, value in zip(weights, values):
        if tuple(weight.shape) != tuple(value.shape):
            message = (
                f"Shape mismatch for weight "
                f"'{getattr(weight, 'path', None) or weight.name}' of "
                f"{where} when loading {filepath}: the layer expects "
                f"{tuple(weight.shape)}, the file has {tuple(value.shape)}."
            )
            if skip_mismatch:
                warnings.warn("Skipping " + message, stacklevel=3)
                continue
            raise LegacyH5Error(message)
        pairs.append((weight, value))
    return pairs


def _assign(pairs):
    # Assigned only once everything was read and checked: a bad file
    # leaves the model as it was.
    with torch.no_grad():
        for weight, value in pairs:
            weight.copy_(torch.as_tensor(value, dtype=weight.dtype))
