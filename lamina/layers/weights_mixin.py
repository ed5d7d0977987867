"""The weight and loss half of the Layer contract: `add_weight`, the
Keras weight lists, `get_weights`/`set_weights`, `count_params`, `losses`."""

import contextlib

import numpy as np
import torch
from torch._subclasses.fake_tensor import unset_fake_temporarily

from lamina import config
from lamina.layers import call_context
from lamina.layers.variable import Variable
from lamina.layers.variable import to_numpy
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype
from lamina.utils.fsdp_units import reshard_units

_state = call_context.state
_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")


class WeightsMixin:
    def add_weight(self, shape=None, initializer=None, dtype=None,
                   trainable=True, autocast=True, regularizer=None,
                   constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a weight (a `Variable`, i.e. an `nn.Parameter`).

        `aggregation`, `autocast` and `overwrite_with_gradient` are kept on
        the weight, as Keras does. Optimizers assign the gradient itself to
        a weight with `overwrite_with_gradient=True` (float8 scales). Under
        a mixed policy a trainable weight with `autocast=True` is read in
        the compute dtype during its layer's call (`Layer.__call__`).
        """
        from lamina import constraints
        from lamina import initializers
        from lamina import regularizers

        self._check_aggregation(name, aggregation)
        shape = () if shape is None else tuple(shape)
        if any(d is None or int(d) < 0 for d in shape):
            raise ValueError(
                f"Layer '{self.name}': cannot create weight '{name}' with an "
                f"undefined or negative dimension. Received: shape={shape}"
            )
        dtype = standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            is_float = dtype.startswith(("float", "bfloat"))
            initializer = "glorot_uniform" if is_float else "zeros"
        initializer = initializers.get(initializer)
        with unset_fake_temporarily(), torch.no_grad():
            value = initializer(shape, dtype=dtype) if callable(initializer) \
                else initializer
            value = torch.as_tensor(value, dtype=to_torch_dtype(dtype))
            value = value.to(self._weight_device())
        name = name or "variable"
        scope = list(_state.name_scope)
        if not scope or scope[-1] != self.name:
            scope.append(self.name)
        variable = Variable(
            value, trainable=trainable, name=name,
            path="/".join(scope + [name]),
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint),
        )
        variable.aggregation = aggregation
        variable.autocast = bool(autocast)
        variable.overwrite_with_gradient = bool(overwrite_with_gradient)
        if not self._trainable and trainable:
            variable.requires_grad_(False)
        self.register_parameter(self._unique_parameter_key(name), variable)
        if trainable:
            self._trainable_variables.append(variable)
        else:
            self._non_trainable_variables.append(variable)
        return variable

    def _check_aggregation(self, name, aggregation):
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Layer '{self.name}', weight '{name or 'variable'}': invalid "
                f"value for argument `aggregation`. Expected one of "
                f"{_AGGREGATIONS}. Received: aggregation={aggregation!r}"
            )

    def _weight_device(self):
        device = getattr(_state, "build_device", None)
        return device if device is not None else config.default_device()

    def _unique_parameter_key(self, name):
        key = name.replace(".", "_").replace("/", "_").replace(":", "_")
        base, count = key, 0
        while key in self._parameters or (
            hasattr(self, key) and key not in self._parameters
        ):
            count += 1
            key = f"{base}_{count}"
        return key

    def _own_weights(self):
        return self._trainable_variables + self._non_trainable_variables

    def _collect_weights(self, weights, seen):
        # Keras's order: own weights (trainable, then non-trainable), then
        # each sublayer's, depth first.
        for w in self._own_weights():
            if id(w) not in seen:
                seen.add(id(w))
                weights.append(w)
        for layer in self._direct_sublayers():
            if isinstance(layer, WeightsMixin):
                layer._collect_weights(weights, seen)
            else:
                for w in layer.parameters():
                    if id(w) not in seen:
                        seen.add(id(w))
                        weights.append(w)
        return weights

    @property
    def weights(self):
        return self._collect_weights([], set())

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for w in self.weights if w.requires_grad]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not w.requires_grad]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        return [to_numpy(w) for w in self.weights]

    def set_weights(self, weights):
        """Assigns a list of arrays, in `self.weights` order."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} weight arrays "
                f"(shapes {[tuple(w.shape) for w in own]}), but received "
                f"{len(weights)} arrays."
            )
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(variable.shape) != value.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight '{_path_of(variable)}' has "
                    f"shape {tuple(variable.shape)}, which is not compatible "
                    f"with the provided weight shape {value.shape}."
                )
        with torch.no_grad(), _whole_values_into(self, own):
            for variable, value in zip(own, weights):
                variable.copy_(torch.as_tensor(np.asarray(value)))

    def _saved_variables(self):
        # Keras's order (trainable, then non-trainable), then any weight a
        # subclass registered directly as a torch Parameter.
        own = self._own_weights()
        known = {id(v) for v in own}
        return own + [p for p in self._parameters.values()
                      if p is not None and id(p) not in known]

    def save_own_variables(self, store):
        """Writes this layer's own weights to `store` as "0", "1", ..."""
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = to_numpy(variable)

    def load_own_variables(self, store):
        """Reads the weights written by `save_own_variables`; checks the
        count and every shape before assigning any."""
        own = self._saved_variables()
        count = len(list(store.keys()))
        if count != len(own):
            if not own and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built, so it has no "
                    f"weights, but the file has {count} for it. Its parent's "
                    "`build()` must build it, or the layer needs "
                    "`build_from_config()`/`get_build_config()` so that it "
                    "can be rebuilt when loading."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables "
                f"{[_path_of(v) for v in own]}, but the file has {count}."
            )
        values = [np.asarray(store[str(i)]) for i in range(len(own))]
        for variable, value in zip(own, values):
            if tuple(variable.shape) != value.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight '{_path_of(variable)}' has "
                    f"shape {tuple(variable.shape)}, but the file has shape "
                    f"{value.shape}."
                )
        with torch.no_grad():
            for variable, value in zip(own, values):
                variable.copy_(torch.as_tensor(value))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              *args):
        """torch's per-module load, where `load_state_dict(assign=True)`
        puts the given tensors in place of the parameters: each weight
        then keeps its identity (the Keras weight lists, the optimizer's
        slots and `get_weights` hold it) and takes the given tensor's
        storage, dtype and device, as torch's assign does."""
        before = dict(self._parameters)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      *args)
        for key, old in before.items():
            new = self._parameters.get(key)
            if isinstance(old, Variable) and new is not None and \
                    new is not old:
                old.data = new.data
                old.requires_grad_(new.requires_grad)
                self._parameters[key] = old

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but "
                "the layer isn't built. Build it first by calling it on data "
                "or calling `build(input_shape)`."
            )
        return int(sum(w.numel() for w in self.weights))

    # ------------------------------------------------------------------
    # Losses
    def add_loss(self, loss):
        if self._losses_generation != _state.loss_generation:
            self._losses = []
            self._losses_generation = _state.loss_generation
        self._losses.append(loss)
        _state.call_losses.append(loss)

    def _own_losses(self):
        # Losses persist until this layer's next call (a call of another,
        # unrelated layer leaves them alone, as in Keras).
        return list(self._losses)

    @property
    def losses(self):
        collected = []
        for layer in self._flatten_layers():
            if isinstance(layer, WeightsMixin):
                collected.extend(layer._own_losses())
        collected.extend(weight_penalties(self.trainable_weights))
        return collected


def weight_penalties(weights):
    """The regularization losses of those `weights` that have a
    `regularizer`: with `call_context.step_losses()`, what `losses` holds
    after a call, and what the trainer adds each step. A variable's
    `value` is the weight itself, or, where it is sharded across
    processes (ModelParallel), its whole value gathered (differentiably)."""
    return [weight.regularizer(getattr(weight, "value", weight))
            for weight in weights
            if getattr(weight, "regularizer", None) is not None]


def _path_of(weight):
    return getattr(weight, "path", None) or "weight"


def _whole_values_into(layer, variables):
    """Where some of `variables` are sharded (ModelParallel's DTensors),
    whole values are taken as replicated, so each process keeps its own
    shard; `layer`'s FSDP units first drop the gathered copies a forward
    without backward leaves, which would hide the new values."""
    if not any(hasattr(v, "full_tensor") for v in variables):
        return contextlib.nullcontext()
    from torch.distributed.tensor.experimental import implicit_replication

    reshard_units(layer)
    return implicit_replication()

