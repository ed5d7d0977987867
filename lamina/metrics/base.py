"""`Metric`: the base class of every metric, and the metrics registry.

A metric keeps its state in non-trainable `Variable`s (torch tensors) on one
device and updates them in place, so accumulating over a whole epoch never
synchronizes with the host; only `result()` is read, when logs are written.
"""

import functools

import numpy as np
import torch

from lamina import config
from lamina import dtype_policies
from lamina.metrics import _utils
from lamina.saving.registry import Registry
from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype

METRICS = Registry("metric", "keras.metrics")


def _wrap_update_state(update_state):
    """Runs `update_state` without autograd, on the inputs' device."""

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        if self._updating:
            return update_state(self, *args, **kwargs)
        device = _utils.first_tensor_device(args, kwargs)
        if device is not None and device != self._device:
            self.to(device)
        state = self.__dict__
        state["_updating"] = True
        try:
            if not torch.is_grad_enabled():
                return update_state(self, *args, **kwargs)
            with torch.no_grad():
                return update_state(self, *args, **kwargs)
        finally:
            state["_updating"] = False

    wrapper._lamina_wrapped = True
    return wrapper


@METRICS.register("metric")
class Metric:
    """Encapsulates metric logic and state.

    Subclasses create their state in `__init__` with `add_variable()`,
    accumulate it in `update_state()` and compute the value in `result()`.
    `update_state` runs under `torch.no_grad()`; when its tensors live on
    another device than the state, the state moves there once.

    Args:
        dtype: Dtype of the metric's computations. Defaults to
            `lamina.config.floatx()`. A `DTypePolicy` gives its compute dtype.
        name: Name of the metric instance. Defaults to the snake-case class
            name, made unique.

    Example:

    ```python
    class BinaryTruePositives(Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), initializer="zeros", name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            values = torch.logical_and(y_true.bool(), y_pred.bool()).float()
            if sample_weight is not None:
                values = values * sample_weight
            self.true_positives.add_(values.sum())

        def result(self):
            return self.true_positives.clone()
    ```
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        update_state = cls.__dict__.get("update_state")
        if update_state is not None and not getattr(
            update_state, "_lamina_wrapped", False
        ):
            cls.update_state = _wrap_update_state(update_state)

    def __init__(self, dtype=None, name=None):
        object.__setattr__(self, "_metrics", [])
        self._variables = []
        self._updating = False
        self._device = _utils.canonical_device(config.default_device())
        self.name = name or naming.uniquify(
            naming.to_snake_case(type(self).__name__))
        policy = dtype_policies.get(dtype or config.floatx())
        self._dtype_policy = policy
        self._dtype = standardize_dtype(policy.compute_dtype)

    def __setattr__(self, name, value):
        # Metrics held as attributes contribute their variables.
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            if all(value is not m for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def variables(self):
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def add_variable(self, shape, initializer="zeros", dtype=None,
                     aggregation="sum", name=None):
        """Creates a state variable on the metric's device."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` "
                "method of your metric. Go add it!"
            )
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(
                "Invalid value for argument `aggregation`. Expected one of "
                "'none', 'mean', 'sum', 'only_first_replica'. "
                f"Received: aggregation={aggregation!r}"
            )
        shape = tuple(int(d) for d in _utils.to_list(shape)) \
            if not isinstance(shape, int) else (shape,)
        torch_dtype = to_torch_dtype(dtype or config.floatx())
        # Imported here: `lamina.layers` imports the models, which import
        # the metrics.
        from lamina.layers.variable import Variable

        # State created inside `torch.inference_mode()` (a lazily built
        # metric during `evaluate`) must stay updatable outside of it.
        with torch.inference_mode(False):
            value = _initial_value(initializer, shape, torch_dtype,
                                   self._device)
            variable = Variable(
                value, trainable=False, name=name,
                path=f"{self.name.replace('/', '>')}/{name}",
            )
        variable.aggregation = aggregation
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape,
                                 initializer=initializer or "zeros",
                                 dtype=dtype, name=name)

    def to(self, device):
        """Moves every state variable to `device`; returns the metric."""
        device = _utils.canonical_device(device)
        with torch.inference_mode(False):
            for variable in self._variables:
                if variable.device != device:
                    _move_in_place(variable, device)
        self._device = device
        for metric in self._metrics:
            metric.to(device)
        return self

    def update_state(self, *args, **kwargs):
        """Accumulates statistics for the metric."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_state()`.")

    def result(self):
        """Computes the current value: a 0-d tensor, a tensor or a dict."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `result()`.")

    def reset_state(self):
        """Sets every state variable back to zero."""
        with torch.no_grad():
            for variable in self.variables:
                variable.zero_()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()


def _move_in_place(variable, device):
    """Moves `variable` to `device` keeping its identity, so attributes and
    lists that reference it stay valid."""
    moved = type(variable)(variable.detach().to(device), trainable=False,
                           name=variable.name, path=variable.path)
    moved.__dict__.update(variable.__dict__)
    torch.utils.swap_tensors(variable, moved)


def _initial_value(initializer, shape, dtype, device):
    if isinstance(initializer, str):
        key = initializer.lower()
        if key in ("zeros", "zero"):
            return torch.zeros(shape, dtype=dtype, device=device)
        if key in ("ones", "one"):
            return torch.ones(shape, dtype=dtype, device=device)
        from lamina import initializers

        initializer = initializers.get(initializer)
    if isinstance(initializer, (int, float)):
        return torch.full(shape, initializer, dtype=dtype, device=device)
    if callable(initializer):
        value = initializer(shape, dtype=standardize_dtype(dtype))
    else:
        value = initializer
    if isinstance(value, torch.Tensor):
        value = value.detach()
    else:
        value = torch.as_tensor(np.asarray(value))
    return value.to(device=device, dtype=dtype).reshape(shape).clone()
