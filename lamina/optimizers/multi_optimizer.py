"""`MultiOptimizer` and `OptimizerMap`: different optimizers for different
variables of one model.

An `OptimizerMap` maps variable paths to optimizers: a key equal to the
path wins, else the one key that matches the whole path as a regular
expression, else the default optimizer. `MultiOptimizer` sends each
variable's gradient to the optimizer its map picks; it has no learning
rate of its own, and its step counter counts its own steps.
"""

import re
from collections.abc import MutableMapping

from lamina.optimizers.base_optimizer import OPTIMIZERS
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.saving import serialization


def _check_inner(optimizer, where):
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"{where}: expected an Optimizer instance. Received: "
            f"{optimizer!r}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"{where}: a LossScaleOptimizer cannot be used "
                         "inside a MultiOptimizer.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{where}: a MultiOptimizer cannot be used inside "
                         "a MultiOptimizer.")


@OPTIMIZERS.register()
class OptimizerMap(MutableMapping):
    """Variable path (or regular expression over paths) -> optimizer.

    Args:
        default_optimizer: the optimizer of variables no key matches.
        optimizer_map: optional dict of path or pattern -> optimizer.
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "OptimizerMap: `default_optimizer` must be an Optimizer "
                f"instance. Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "OptimizerMap: `optimizer_map` must be a dict. Received: "
                f"{type(optimizer_map).__name__}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, path):
        if path in self._optimizer_map:
            return self._optimizer_map[path]
        matches = [key for key in self._optimizer_map
                   if re.fullmatch(key, path)]
        if len(matches) > 1:
            raise ValueError(
                f"OptimizerMap: several keys ({matches}) match the "
                f"variable {path!r}; exactly one optimizer may apply.")
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"OptimizerMap: the key {key!r} is already mapped to "
                f"{self._optimizer_map[key]!r}; keys must be unique.")
        if not isinstance(key, str):
            raise ValueError(
                f"OptimizerMap: keys must be strings. Received: {key!r}")
        _check_inner(optimizer, "OptimizerMap")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer of `variable`, looked up by its path."""
        return self[variable.path]

    def get_config(self):
        return {
            "default_optimizer": serialization.serialize_keras_object(
                self._default_optimizer),
            "optimizer_map": serialization.serialize_keras_object(
                self._optimizer_map),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default = serialization.deserialize_keras_object(
            config["default_optimizer"], custom_objects=custom_objects)
        mapping = serialization.deserialize_keras_object(
            config["optimizer_map"], custom_objects=custom_objects)
        return cls(default, mapping)


@register_builtin("multioptimizer")
class MultiOptimizer(Optimizer):
    """Applies a different optimizer to each group of variables.

    Args:
        optimizer_map: an `OptimizerMap`, or any callable taking a variable
            and returning its optimizer.
        loss_scale_factor: passed on to every inner optimizer.
        name: the optimizer's name.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0,
                         loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        inner = list(optimizer_map.values()) if hasattr(
            optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            inner.append(default)
        for optimizer in inner:
            self._add_inner(optimizer)

    def _add_inner(self, optimizer):
        if not any(optimizer is known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)
        return next(i for i, known in enumerate(self._inner_optimizers)
                    if known is optimizer)

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        self._owner = {}
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            _check_inner(optimizer, "MultiOptimizer")
            self._owner[id(variable)] = self._add_inner(optimizer)
        for index, optimizer in enumerate(self._inner_optimizers):
            group = [v for v in var_list if self._owner[id(v)] == index]
            if group:
                optimizer.build(group)
        super().build(var_list)

    @property
    def optimizers(self):
        """The inner optimizers."""
        return self._inner_optimizers

    @property
    def variables(self):
        found = self._variables[:]
        for optimizer in self._inner_optimizers:
            found.extend(optimizer.variables)
        return found

    @property
    def learning_rate(self):
        raise AttributeError(
            "A MultiOptimizer has no learning rate; read it on the inner "
            "optimizers (`optimizer.optimizers`).")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "A MultiOptimizer has no learning rate; set it on the inner "
            "optimizers (`optimizer.optimizers`).")

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def iterations(self):
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._trainable_variables):
            raise ValueError(
                "MultiOptimizer: expected one gradient per variable. "
                f"Received {len(grads)} gradients and "
                f"{len(self._trainable_variables)} variables.")
        groups = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, trainable_variables):
            if id(variable) not in self._owner:
                raise ValueError(
                    f"MultiOptimizer: unknown variable "
                    f"{getattr(variable, 'path', tuple(variable.shape))}; "
                    "it was not among the variables it was built with.")
            group = groups[self._owner[id(variable)]]
            group[0].append(grad)
            group[1].append(variable)
        for optimizer, (sub_grads, sub_vars) in zip(self._inner_optimizers,
                                                    groups):
            if sub_grads:
                optimizer.apply(sub_grads, sub_vars)
        self._iterations.add_(1)

    def finalize_variable_values(self, var_list):
        for index, optimizer in enumerate(self._inner_optimizers):
            group = [v for v in var_list if self._owner[id(v)] == index]
            if group:
                optimizer.finalize_variable_values(group)

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has "
                "not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the "
                "optimizer weights before calling `set_weights()`.")
        weights = list(weights)
        own = len(self._variables)
        for variable, value in zip(self._variables, weights[:own]):
            self.assign(variable, value)
        start = own
        for optimizer in self._inner_optimizers:
            count = len(optimizer.variables)
            if count:
                optimizer.set_weights(weights[start:start + count])
                start += count

    def get_config(self):
        return {
            "optimizer_map": serialization.serialize_keras_object(
                self._optimizer_map),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizer_map"] = serialization.deserialize_keras_object(
            config["optimizer_map"], custom_objects=custom_objects)
        return cls(**config)
