"""Optimizer state: the iteration counter, learning rate and slot variables.

Slots are zero-initialized copies of each weight on its device, named the
way Keras names them (`{weight path, '/' -> '_'}_{slot}`) and created in
Keras's order, so `optimizer.variables` lines up with Keras's in files.
"""

import warnings

import numpy as np
import torch

from lamina import config
from lamina.layers.variable import Variable
from lamina.utils.dtypes import to_torch_dtype


def _reference_prefix(variable):
    path = getattr(variable, "path", None)
    if path:
        return path.replace("/", "_")
    name = getattr(variable, "name", None) or "variable"
    return str(name).replace("/", "_").replace(":", "_")


def _initial_value(initializer, shape, dtype, device, like=None):
    if isinstance(initializer, str) and initializer in ("zeros", "ones"):
        fill = 0.0 if initializer == "zeros" else 1.0
    elif isinstance(initializer, (int, float)) and not isinstance(
        initializer, bool
    ):
        fill = float(initializer)
    else:
        if isinstance(initializer, str):
            from lamina import initializers

            initializer = initializers.get(initializer)
        if not callable(initializer):
            raise ValueError(
                "Invalid value for argument `initializer`. Expected 'zeros', "
                "'ones', a number, an initializer name or a callable. "
                f"Received: initializer={initializer!r}"
            )
        value = initializer(tuple(shape), dtype=str(dtype).replace(
            "torch.", ""))
        return torch.as_tensor(value, dtype=dtype, device=device).clone()
    if like is not None:
        return torch.full_like(like, fill, memory_format=torch.preserve_format)
    return torch.full(tuple(shape), fill, dtype=dtype, device=device)


class OptimizerVariables:
    """Creation, tracking and saving of an optimizer's variables."""

    def _init_variable_tracking(self):
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._all_indices = []
        self._indices = None
        self._iteration_value = 0
        # (slot, weight, same dtype) triples: each slot follows its
        # weight's device, and its dtype when it had the weight's, when
        # the model moves (see `_follow_moved_weights`).
        self._slot_references = []
        self._placement = None

    @property
    def variables(self):
        """All optimizer variables, in Keras's order."""
        return self._variables[:]

    def _track_variable(self, variable):
        self._variables.append(variable)
        return variable

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]
        self._slot_references = [
            pair for pair in self._slot_references if pair[0] is not variable]

    def _track_slot(self, slot, weight):
        """Tracks `slot`, a variable that lives with `weight`."""
        self._slot_references.append(
            (slot, weight, slot.dtype == weight.dtype))
        return self._track_variable(slot)

    def _follow_moved_weights(self, variables):
        """Moves the slots to their weights' device and dtype after a
        `model.to(...)`, which moves the weights in place. A step checks
        one weight's placement; only a move walks the slots."""
        first = variables[0]
        placement = (first.device, first.dtype)
        if placement == self._placement:
            return
        if self._placement is not None:
            for slot, weight, same_dtype in self._slot_references:
                dtype = weight.dtype if same_dtype else slot.dtype
                if slot.device != weight.device or slot.dtype != dtype:
                    slot.data = slot.data.to(weight.device, dtype)
        self._placement = placement

    def _variable_path(self, name):
        # A wrapping optimizer builds this one inside its own name scope,
        # which Keras records in the slot paths ("outer/inner/slot").
        return f"{getattr(self, '_build_scope', None) or self.name}/{name}"

    def _add_host_variable(self, value, name, dtype):
        # Scalars read every step stay on the CPU: reading them is free.
        data = torch.tensor(value, dtype=to_torch_dtype(dtype))
        return self._track_variable(Variable(
            data, trainable=False, name=name, path=self._variable_path(name)
        ))

    def add_variable(self, shape, initializer="zeros", dtype=None,
                     aggregation="none", layout=None, name=None):
        """Adds a non-trainable variable of `shape` to the optimizer."""
        name = name or "variable"
        dtype = to_torch_dtype(dtype or config.floatx())
        value = _initial_value(initializer, shape, dtype,
                               config.default_device())
        return self._track_variable(Variable(
            value, trainable=False, name=name, path=self._variable_path(name)
        ))

    def add_variable_from_reference(self, reference_variable, name=None,
                                    initializer="zeros"):
        """Adds a variable shaped like `reference_variable`, on its device.

        It is named `{reference path with '/' as '_'}_{name}`, e.g.
        `dense_kernel_momentum`.
        """
        name = f"{_reference_prefix(reference_variable)}_{name or 'var'}"
        value = _initial_value(
            initializer, reference_variable.shape, reference_variable.dtype,
            reference_variable.device, like=reference_variable.detach(),
        )
        path = self._variable_path(name)
        if hasattr(reference_variable, "new_slot"):
            # A sharded variable (ModelParallel's `ShardedVariable`): its
            # slot is one too, sharded alike (`value` is a DTensor placed
            # as the weight is), with the Keras variable API.
            return self._track_slot(reference_variable.new_slot(
                value, name, path), reference_variable)
        if type(value) is not torch.Tensor:
            # A sharded torch parameter (not a Keras variable): its slot is
            # sharded alike; a tensor subclass cannot become a Variable.
            slot = torch.nn.Parameter(value, requires_grad=False)
            slot._keras_name = name
            slot._keras_path = slot.path = path  # `Variable`'s property
            return self._track_slot(slot, reference_variable)
        return self._track_slot(Variable(
            value, trainable=False, name=name, path=path
        ), reference_variable)

    def add_optimizer_variables(self, trainable_variables, name,
                                initializer="zeros"):
        """Adds one slot per variable for each of `name` (str or list).

        Slots are interleaved per variable, as Keras creates them. A
        variable with `overwrite_with_gradient` gets None. Returns a list,
        or a tuple of lists when `name` is a list.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            initializers = list(initializer)
        else:
            initializers = [initializer] * len(names)
        if len(names) != len(initializers):
            raise ValueError(
                "The number of provided names must match the number of "
                f"provided initializers. Received name={name!r}, "
                f"initializer={initializer!r}"
            )
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            skip = getattr(variable, "overwrite_with_gradient", False)
            for slot_list, slot_name, init in zip(slots, names, initializers):
                slot_list.append(None if skip else
                                 self.add_variable_from_reference(
                                     variable, slot_name, init))
        return slots[0] if isinstance(name, str) else slots

    def build(self, variables):
        """Creates the optimizer's variables for `variables`."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = (
                self.add_optimizer_variables(variables, "average")
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = [
                self.add_variable_from_reference(v, "gradient_accumulator")
                for v in variables
            ]
        self._trainable_variables_indices = {
            id(v): i for i, v in enumerate(variables)
        }
        self._all_indices = list(range(len(variables)))
        self._trainable_variables = variables[:]
        self.built = True

    def _variable_indices(self, variables):
        """Slot positions of `variables`; None when they are all, in order."""
        index = self._trainable_variables_indices
        try:
            indices = [index[id(v)] for v in variables]
        except KeyError:
            unknown = next(v for v in variables if id(v) not in index)
            label = getattr(unknown, "path", None) or tuple(unknown.shape)
            raise ValueError(
                f"Unknown variable: {label}. "
                "This optimizer can only be called for the variables it was "
                "originally built with. When working with a new set of "
                "variables, you should recreate a new optimizer instance."
            ) from None
        return None if indices == self._all_indices else indices

    def _gather(self, slots):
        """The entries of `slots` for the variables of the current step."""
        if self._indices is None:
            return slots
        return [slots[i] for i in self._indices]

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    def assign(self, variable, value):
        variable.copy_(torch.as_tensor(value, device=variable.device))

    def assign_add(self, variable, value):
        variable.add_(torch.as_tensor(value, device=variable.device))

    def assign_sub(self, variable, value):
        variable.sub_(torch.as_tensor(value, device=variable.device))

    def set_weights(self, weights):
        """Sets the optimizer variables from a list of arrays."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has "
                "not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the "
                "optimizer weights before calling `set_weights()`."
            )
        for variable, weight in zip(self.variables, weights):
            _copy_into(variable, weight)

    def save_own_variables(self, store):
        """Writes the variables to `store` under keys "0", "1", ..."""
        for i, variable in enumerate(self.variables):
            if hasattr(variable, "full_tensor"):  # sharded: gathered
                variable = variable.full_tensor()
            store[str(i)] = variable.detach().cpu().numpy()

    def load_own_variables(self, store):
        """Reads the variables written by `save_own_variables`."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', "
                f"because it has {len(variables)} variables whereas the "
                f"saved optimizer has {len(store.keys())} variables. "
            )
            if not variables:
                msg += ("This is likely because the optimizer has not been "
                        "called/built yet.")
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(variables):
            _copy_into(variable, store[str(i)])


def _copy_into(variable, value):
    value = np.asarray(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(
            f"Optimizer variable {getattr(variable, 'path', None)} has shape "
            f"{tuple(variable.shape)} not compatible with provided weight "
            f"shape {value.shape}."
        )
    if isinstance(variable, Variable):  # sharded: keeps its own shard
        variable.assign(value)
        return
    with torch.no_grad():
        variable.copy_(torch.as_tensor(value))
