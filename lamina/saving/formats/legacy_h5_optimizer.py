"""Optimizer state in legacy HDF5 (`optimizer_weights`), four layouts.

- Keras 3 (and Lamina): `adam/iteration`, `adam/learning_rate`, then the
  slots of each trainable variable, interleaved
  (`adam/sequential_dense_kernel_momentum`, `..._velocity`).
- tf_keras 2.11+: `iteration:0`, then `Adam/m/dense/kernel:0`,
  `Adam/v/dense/kernel:0` per variable.
- tf.keras <= 2.10: `Adam/iter:0`, then every `Adam/dense/kernel/m:0`, then
  every `.../v:0`.
- keras 2.3.1: `Adam/iterations:0`, then `training/Adam/m_0_1:0`, ...,
  numbered by trainable-variable position (`vhat_*` are placeholders).

In every layout a slot kind lists its variables in `trainable_variables`
order, so slots are matched by kind (mapped to Keras 3's slot names) and
position. State that does not map is left fresh, with a warning.
"""

import re
import warnings

import numpy as np
import torch

from lamina.layers.variable import to_numpy
from lamina.saving.formats import legacy_h5_weights as weights_io

_ITERATION = re.compile(r"(^|/)(iteration|iter|iterations)$")
_LEARNING_RATE = re.compile(r"(^|/)(learning_rate|lr)$")
_NUMBERED = re.compile(r"^(?P<kind>[a-z_]*[a-z])_(?P<index>\d+)(_\d+)?$")

# Keras 2 slot names -> Keras 3 slot names, per optimizer class.
_ADAM = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}
_SLOT_NAMES = {
    "Adam": _ADAM, "AdamW": _ADAM, "Nadam": _ADAM, "Lamb": _ADAM,
    "Adamax": {"m": "momentum", "v": "norm", "u": "norm"},
    "RMSprop": {"rms": "velocity", "accumulator": "velocity",
                "mg": "average_gradient"},
    "SGD": {"m": "momentum", "moment": "momentum"},
    "Adagrad": {},
    "Adadelta": {"accum_grad": "accumulated_grad",
                 "accumulator": "accumulated_grad",
                 "accum_var": "accumulated_delta_var",
                 "delta_accumulator": "accumulated_delta_var"},
    "Ftrl": {},
}
# Slots Keras 2 always wrote, as placeholders, when their option was off.
_PLACEHOLDER_KINDS = ("vhat",)


def save_optimizer_weights(h5_file, optimizer):
    """Writes `optimizer.variables` under `optimizer_weights` (Keras 3)."""
    variables = list(getattr(optimizer, "variables", []) or [])
    if not variables:
        return
    group = h5_file.create_group("optimizer_weights")
    names = weights_io.unique_names(
        [str(getattr(v, "path", None) or v.name) for v in variables])
    weights_io.write_string_list(group, "weight_names", names)
    for name, variable in zip(names, variables):
        weights_io.write_dataset(group, name, to_numpy(variable))


def load_optimizer_weights(h5_file, optimizer, trainable_variables,
                           filepath):
    """Restores what maps of the saved state; returns True if all did."""
    group = h5_file["optimizer_weights"]
    names = weights_io.read_string_list(group, "weight_names") or []
    values = [weights_io.read_dataset(group, name, filepath, "the optimizer")
              for name in names]
    if not optimizer.built:
        optimizer.build(trainable_variables)
    names = [name[:-2] if name.endswith(":0") else name for name in names]
    try:
        pairs = _map_state(optimizer, trainable_variables, names, values)
    except ValueError as error:
        warnings.warn(
            f"The optimizer state in {filepath} was not restored, so "
            f"training starts with fresh optimizer state: {error}",
            stacklevel=3,
        )
        return False
    with torch.no_grad():
        for variable, value in pairs:
            variable.copy_(torch.as_tensor(value, dtype=variable.dtype))
    return True


def _map_state(optimizer, trainable_variables, names, values):
    variables = optimizer.variables
    if len(variables) == len(values) and all(
            tuple(v.shape) == np.shape(x) for v, x in zip(variables, values)
    ) and all(_last(getattr(v, "path", "")) == _last(n)
              for v, n in zip(variables, names)):
        return list(zip(variables, values))  # Keras 3 / Lamina
    pairs, slots = [], []
    own = {_last(getattr(v, "path", "")): v for v in variables}
    for name, value in zip(names, values):
        if _ITERATION.search(name):
            pairs.append((own["iteration"], value))
        elif _LEARNING_RATE.search(name):
            if "learning_rate" in own:  # not a schedule
                pairs.append((own["learning_rate"], value))
        else:
            slots.append((_slot_kind(name), value))
    targets = _slot_variables(optimizer, trainable_variables)
    table = _SLOT_NAMES.get(type(optimizer).__name__)
    if table is None:
        raise ValueError(
            f"no mapping of Keras 2 slot names for {type(optimizer).__name__}"
        )
    by_kind = {}
    for (kind, index), value in slots:
        by_kind.setdefault(kind, []).append((index, value))
    for kind, entries in by_kind.items():
        slot = table.get(kind, kind)
        if not any(key[0] == slot for key in targets):
            if kind in _PLACEHOLDER_KINDS:
                continue
            raise ValueError(
                f"the saved slot '{kind}' has no counterpart in "
                f"{type(optimizer).__name__} (slots "
                f"{sorted({key[0] for key in targets})})"
            )
        if all(index is not None for index, _ in entries):
            entries = sorted(entries, key=lambda entry: entry[0])
        if len(entries) != len(trainable_variables):
            raise ValueError(
                f"{len(entries)} saved '{kind}' slots for "
                f"{len(trainable_variables)} trainable variables"
            )
        for position, (_, value) in enumerate(entries):
            variable = targets[(slot, position)]
            if tuple(variable.shape) != np.shape(value):
                raise ValueError(
                    f"slot '{kind}' {position} has shape {np.shape(value)}, "
                    f"the variable {tuple(variable.shape)}"
                )
            pairs.append((variable, value))
    return pairs


def _last(path):
    return str(path).rsplit("/", 1)[-1]


def _slot_kind(name):
    """(kind, index or None) of a saved slot name."""
    parts = name.split("/")
    numbered = _NUMBERED.match(parts[-1])
    if numbered and (parts[0] == "training" or len(parts) <= 2):
        return numbered["kind"], int(numbered["index"])  # keras 2.3.1
    if len(parts) >= 3 and parts[1] in _KNOWN_KINDS:
        return parts[1], None  # tf_keras 2.11+: Adam/m/dense/kernel
    if len(parts) == 2:  # Keras 3: adam/sequential_dense_kernel_momentum
        suffixes = [kind for kind in _KNOWN_KINDS
                    if parts[1].endswith("_" + kind)]
        if suffixes:
            return max(suffixes, key=len), None
    return parts[-1], None  # tf.keras <= 2.10: Adam/dense/kernel/m


_KNOWN_KINDS = {kind for table in _SLOT_NAMES.values() for kind in table} | {
    slot for table in _SLOT_NAMES.values() for slot in table.values()} | {
    "momentum", "velocity", "velocity_hat", "accumulator", "linear",
    "average_gradient", "norm", "u", "accumulated_grad",
    "accumulated_delta_var"}


def _slot_variables(optimizer, trainable_variables):
    """{(slot name, variable position): slot variable} for `optimizer`.

    Slots are named `{variable path, '/' as '_'}_{slot}`; the longest
    matching variable prefix wins (`dense_1_kernel` over `dense_1`)."""
    prefixes = [str(getattr(v, "path", None) or v.name).replace("/", "_")
                for v in trainable_variables]
    targets = {}
    for variable in optimizer.variables:
        name = _last(getattr(variable, "path", None) or variable.name)
        matches = [(len(prefix), position)
                   for position, prefix in enumerate(prefixes)
                   if name.startswith(prefix + "_")]
        if matches:
            length, position = max(matches)
            targets[(name[length + 1:], position)] = variable
    return targets
