"""Reduction metrics: `Sum`, `Mean` and `MeanMetricWrapper`."""

import inspect

import torch

from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.saving.registry import Registry

# Per-sample metric functions (`binary_accuracy`, ...), which a
# `MeanMetricWrapper` config names by their function name; the classes of
# the same snake-case names are in `METRICS`.
METRIC_FUNCTIONS = Registry("metric function", "keras.metrics",
                            instantiate_classes=False)


def _reduce(values, dims, reduce_fn):
    return reduce_fn(values, dim=dims) if dims else values


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype,
                                device=None):
    """Weights `values` and reduces them to one value per sample.

    Returns the per-sample values and the per-sample weights (None without
    `sample_weight`), following Keras's broadcasting of weights.
    """
    mask = _utils.get_mask(values)
    values = _utils.to_tensor(values, dtype, device)
    if sample_weight is not None:
        sample_weight = _utils.to_tensor(sample_weight, dtype, values.device)
        if mask is not None:
            sample_weight = _utils.apply_mask(sample_weight, mask, dtype, "sum")
        values, sample_weight = _utils.squeeze_or_expand_to_same_rank(
            values, sample_weight)
        weight_ndim = sample_weight.dim()
        values = _reduce(values, list(range(weight_ndim, values.dim())),
                         reduce_fn)
        try:
            sample_weight = sample_weight.broadcast_to(values.shape)
        except RuntimeError:
            raise ValueError(
                "Argument `sample_weight` cannot be broadcast to the shape "
                "of the values. Received: sample_weight.shape="
                f"{tuple(sample_weight.shape)}, values.shape="
                f"{tuple(values.shape)}"
            ) from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight,
                                      dim=list(range(1, weight_ndim)))
    values = _reduce(values, list(range(1, values.dim())), reduce_fn)
    return values, sample_weight


@METRICS.register("sum")
class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), dtype=self.dtype,
                                       name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(
            values, sample_weight, torch.sum, self.dtype, self._device)
        self.total.add_(values.sum())

    def result(self):
        return self.total.to(_utils.torch_dtype_of(self.dtype), copy=True)


@METRICS.register("mean")
class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    With `sample_weight`, the result is `sum(values * w) / sum(w)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), dtype=self.dtype,
                                       name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, torch.mean, self.dtype, self._device)
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        elif values.dim() >= 1:
            self.count.add_(values.shape[0])
        else:
            self.count.add_(1)

    def result(self):
        return _utils.divide_no_nan(self.total, self.count)


_LOSS_FUNCTION_NAMES = (
    "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "cosine_similarity", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge",
)


def _is_loss(fn):
    """Whether `fn` is a built-in Lamina loss (function, class or instance)."""
    owner = fn if inspect.isfunction(fn) or inspect.isclass(fn) else type(fn)
    return (owner.__module__ or "").startswith("lamina.losses")


@METRICS.register("mean_metric_wrapper")
class MeanMetricWrapper(Mean):
    """Wraps a per-sample function `fn(y_true, y_pred, **kwargs)` as a metric.

    The metric is the (weighted) mean of the values `fn` returns.

    Args:
        fn: The function to wrap, returning one value per sample (or per
            element).
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        **kwargs: Keyword arguments passed on to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if not callable(fn):
            raise ValueError(
                "Invalid value for argument `fn`. Expected a callable. "
                f"Received: fn={fn!r}"
            )
        self._fn = fn
        self._fn_kwargs = kwargs
        if _is_loss(fn):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = _utils.get_mask(y_pred)
        y_true = _utils.to_tensor(y_true, device=self._device)
        y_pred = _utils.to_tensor(y_pred, device=self._device)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = _utils.apply_mask(
                sample_weight, mask.to(self._device), self.dtype, "sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype,
                  "fn": serialization.serialize_keras_object(self._fn)}
        config.update(serialization.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)


def deserialize_function(config):
    """Resolves a serialized function: custom objects, the registered
    metric functions, then the loss functions, by name."""
    if callable(config):
        return config
    name = config
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
    if isinstance(name, str):
        obj = object_registration.get_registered_object(
            name, None, METRIC_FUNCTIONS.objects())
        if obj is not None:
            return obj
        if name in _LOSS_FUNCTION_NAMES:
            from lamina import losses

            return losses.LOSSES.lookup(name)
    return METRIC_FUNCTIONS.deserialize(config)
