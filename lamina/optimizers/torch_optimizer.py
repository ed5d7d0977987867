"""`TorchOptimizer`: a `torch.optim.Optimizer` behind Keras's optimizer API.

`optimizers.get` wraps torch optimizer classes and instances in it, so
`model.compile(optimizer=torch.optim.AdamW)` works like a Keras optimizer.
"""

import inspect
import warnings

import numpy as np
import torch

from lamina.optimizers.base_optimizer import OPTIMIZERS
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import is_number
from lamina.optimizers.schedules import learning_rate_schedule as schedules

_DEFAULT_LEARNING_RATE = 0.001


def _constructor_arguments(optimizer_class):
    """The keyword names the class's constructor takes (None: any)."""
    try:
        parameters = inspect.signature(optimizer_class.__init__).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return None
    return set(parameters)


def _needs_learning_rate(optimizer_class):
    try:
        parameters = inspect.signature(optimizer_class.__init__).parameters
    except (TypeError, ValueError):
        return False
    lr = parameters.get("lr")
    if lr is None:
        return False
    return lr.default is inspect.Parameter.empty or "required" in repr(
        lr.default
    )


@OPTIMIZERS.register(keras_module="lamina.optimizers")
class TorchOptimizer(Optimizer):
    """Drives a `torch.optim.Optimizer` through Keras's optimizer API.

    Given a class, the torch optimizer is created on `build(var_list)`
    (with `lr=0.001` when the class has no default); given an instance,
    its parameter groups are used as they are. `learning_rate` reads and
    sets the groups' `lr` and also accepts a `LearningRateSchedule`.
    `variables` lists the iteration counter, then the torch optimizer's
    state tensors (created by torch on the first step); use
    `state_dict()` / `load_state_dict()` to checkpoint it.

    Args:
        optimizer: A `torch.optim.Optimizer` subclass or instance.
        name: String, the optimizer's name.
        **kwargs: Arguments for the class (e.g. `lr`, `weight_decay`);
            only with a class.
    """

    def __init__(self, optimizer, name=None, **kwargs):
        if isinstance(optimizer, torch.optim.Optimizer):
            if kwargs:
                raise ValueError(
                    "Keyword arguments are only accepted with a torch "
                    "optimizer class, not an instance. Received: "
                    f"{sorted(kwargs)}"
                )
            self.torch_optimizer, optimizer_class = optimizer, type(optimizer)
        elif inspect.isclass(optimizer) and issubclass(
            optimizer, torch.optim.Optimizer
        ):
            self.torch_optimizer, optimizer_class = None, optimizer
        else:
            raise ValueError(
                "Invalid value for argument `optimizer`. Expected a "
                "`torch.optim.Optimizer` subclass or instance. Received: "
                f"optimizer={optimizer!r}"
            )
        self.optimizer_class = optimizer_class
        self.optimizer_kwargs = dict(kwargs)
        self._schedule = None
        super().__init__(learning_rate=None, name=name)

    def _init_learning_rate(self, learning_rate):
        self._learning_rate = None

    def build(self, var_list):
        """Creates the torch optimizer over `var_list` (class case)."""
        if self.built:
            return
        var_list = list(var_list)
        if self.torch_optimizer is None:
            kwargs = dict(self.optimizer_kwargs)
            if "lr" not in kwargs and _needs_learning_rate(self.optimizer_class):
                kwargs["lr"] = _DEFAULT_LEARNING_RATE
            self.torch_optimizer = self.optimizer_class(var_list, **kwargs)
        else:
            managed = {id(p) for group in self.torch_optimizer.param_groups
                       for p in group["params"]}
            unmanaged = [v for v in var_list if id(v) not in managed]
            if unmanaged:
                raise ValueError(
                    f"{len(unmanaged)} of the {len(var_list)} variables are "
                    "not in the torch optimizer's parameter groups, so their "
                    "gradients would be ignored. Create the torch optimizer "
                    "over all trainable variables (e.g. "
                    "`model.trainable_variables`)."
                )
        super().build(var_list)

    @property
    def learning_rate(self):
        if self._schedule is not None:
            return self._schedule(self._iterations)
        if self.torch_optimizer is not None:
            value = self.torch_optimizer.param_groups[0]["lr"]
        else:
            value = self.optimizer_kwargs.get("lr", self._default_lr())
        return torch.as_tensor(value, dtype=torch.float32)

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self._schedule = learning_rate
            return
        if not is_number(learning_rate):
            raise ValueError(
                "Invalid value for `learning_rate`. Expected a float or a "
                "`LearningRateSchedule`. Received: "
                f"learning_rate={learning_rate!r}"
            )
        self._schedule = None
        self._set_torch_lr(float(learning_rate))

    lr = learning_rate

    def _default_lr(self):
        try:
            default = inspect.signature(self.optimizer_class.__init__) \
                .parameters["lr"].default
        except (KeyError, TypeError, ValueError):
            return _DEFAULT_LEARNING_RATE
        return default if is_number(default) else _DEFAULT_LEARNING_RATE

    def _set_torch_lr(self, value):
        if self.torch_optimizer is None:
            self.optimizer_kwargs["lr"] = value
            return
        for group in self.torch_optimizer.param_groups:
            if torch.is_tensor(group["lr"]):
                group["lr"].fill_(value)
            else:
                group["lr"] = value

    @property
    def variables(self):
        state_tensors = []
        if self.torch_optimizer is not None:
            for variable in self._trainable_variables:
                state = self.torch_optimizer.state.get(variable, {})
                state_tensors.extend(
                    state[key] for key in sorted(state)
                    if torch.is_tensor(state[key])
                )
        return self._variables + state_tensors

    def _follow_moved_weights(self, variables):
        # torch keeps its state per parameter; after a `model.to(...)` it
        # moves as `load_state_dict` places it (`step` stays on the host).
        first = variables[0]
        placement = (first.device, first.dtype)
        if placement == self._placement:
            return
        if self._placement is not None:
            for weight, state in self.torch_optimizer.state.items():
                for key, value in state.items():
                    if key == "step" or not torch.is_tensor(value):
                        continue
                    dtype = weight.dtype if value.is_floating_point() \
                        else value.dtype
                    state[key] = value.to(weight.device, dtype)
        self._placement = placement

    def apply(self, grads, trainable_variables=None):
        """Sets each variable's `.grad` and takes one torch optimizer step."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            self.build(trainable_variables)
        if self._schedule is not None:
            self._set_torch_lr(float(self._schedule(self._iterations)))
        with torch.no_grad():
            self._follow_moved_weights(trainable_variables)
            for grad, variable in zip(grads, trainable_variables):
                if grad is not variable.grad:
                    variable.grad = grad
            self.torch_optimizer.step()
            for variable in trainable_variables:
                constraint = getattr(variable, "constraint", None)
                if constraint is not None:
                    variable.copy_(constraint(variable))
            self._iterations.add_(1)

    def state_dict(self):
        """The torch optimizer's state dict plus the iteration count."""
        state = self.torch_optimizer.state_dict() if self.torch_optimizer \
            else {}
        return {"torch_optimizer": state, "iterations": int(self._iterations)}

    def load_state_dict(self, state_dict):
        """Restores `state_dict()`'s output (build the optimizer first)."""
        if self.torch_optimizer is None:
            raise ValueError(
                "Build the optimizer (`optimizer.build(variables)`) before "
                "loading its state."
            )
        self.torch_optimizer.load_state_dict(state_dict["torch_optimizer"])
        self._iterations.data.fill_(int(state_dict["iterations"]))

    def save_own_variables(self, store):
        """Writes the iteration count, each parameter group's learning rate
        (`group<g>.lr`) and torch's per-parameter state (`<index>.<key>`,
        indexed as in torch's own `state_dict`)."""
        store["iteration"] = self._iterations.detach().cpu().numpy()
        if self.torch_optimizer is None:
            return
        state = self.torch_optimizer.state_dict()
        for g, group in enumerate(state["param_groups"]):
            store[f"group{g}.lr"] = np.asarray(float(group["lr"]))
        for index, entries in state["state"].items():
            for key, value in entries.items():
                store[f"{index}.{key}"] = value.detach().cpu().numpy() \
                    if torch.is_tensor(value) else np.asarray(value)

    def load_own_variables(self, store):
        """Restores what `save_own_variables` wrote (once built)."""
        keys = list(store.keys())
        if self.torch_optimizer is None or not self.built:
            if len(keys) > 1:
                warnings.warn(
                    f"Skipping variable loading for optimizer '{self.name}', "
                    "because it has not been built yet.", stacklevel=2)
            return
        current = self.torch_optimizer.state_dict()
        groups = [dict(group) for group in current["param_groups"]]
        state = {}
        for key in keys:
            head, _, entry = key.partition(".")
            if key == "iteration":
                continue
            if head.startswith("group") and entry == "lr":
                g = int(head[len("group"):])
                if g >= len(groups):
                    raise ValueError(
                        f"Optimizer '{self.name}' has {len(groups)} parameter "
                        f"groups, but the file has state for group {g}.")
                groups[g]["lr"] = float(np.asarray(store[key]))
            elif head.isdigit() and entry:
                state.setdefault(int(head), {})[entry] = torch.as_tensor(
                    np.asarray(store[key]))
            else:
                raise ValueError(
                    f"Unexpected entry '{key}' in the saved state of "
                    f"optimizer '{self.name}'.")
        self.torch_optimizer.load_state_dict(
            {"state": state, "param_groups": groups})
        if "iteration" in keys:
            self._iterations.data.fill_(int(np.asarray(store["iteration"])))

    def get_config(self):
        if self.optimizer_class.__module__.startswith("torch.optim"):
            class_name = self.optimizer_class.__name__
        else:
            class_name = (f"{self.optimizer_class.__module__}."
                          f"{self.optimizer_class.__qualname__}")
        if self.torch_optimizer is not None and not self.optimizer_kwargs:
            # Only what the constructor takes: torch's `defaults` may hold
            # more (AdamW's `decoupled_weight_decay`).
            accepted = _constructor_arguments(self.optimizer_class)
            kwargs = {k: v for k, v in self.torch_optimizer.defaults.items()
                      if isinstance(v, (int, float, bool, str, tuple, list,
                                        type(None)))
                      and (accepted is None or k in accepted)}
        else:
            kwargs = dict(self.optimizer_kwargs)
        return {"name": self.name, "optimizer": class_name, **kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        class_name = config.pop("optimizer")
        optimizer_class = getattr(torch.optim, class_name, None)
        if not (inspect.isclass(optimizer_class)
                and issubclass(optimizer_class, torch.optim.Optimizer)):
            raise ValueError(
                f"Cannot rebuild torch optimizer '{class_name}': only "
                "`torch.optim` classes are recreated from configs. Pass the "
                "optimizer to `compile` again instead."
            )
        return cls(optimizer_class, **config)
