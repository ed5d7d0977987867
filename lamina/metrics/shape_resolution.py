"""Compile-time resolution of metric and loss identifiers from shapes.

In `compile()`, `"accuracy"`/`"acc"` and `"crossentropy"`/`"ce"` name a
family; the binary, sparse or categorical member is picked from the shapes of
`y_true` and `y_pred`, as Keras does.
"""

import inspect

from lamina.metrics.accuracy import BinaryAccuracy
from lamina.metrics.accuracy import CategoricalAccuracy
from lamina.metrics.accuracy import SparseCategoricalAccuracy
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric
from lamina.metrics.reduction import MeanMetricWrapper
from lamina.utils import naming

ACCURACY_NAMES = ("accuracy", "acc")
CROSSENTROPY_NAMES = ("crossentropy", "ce")


def _shape(x):
    shape = getattr(x, "shape", x)
    return tuple(shape)


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """Returns `(is_binary, is_sparse_categorical)` for these shapes.

    Binary: the last dimension of `y_pred` is 1. Sparse: `y_true` has a lower
    rank than `y_pred`, or a last dimension of 1 while `y_pred`'s is larger.
    Shapes may be tuples or tensors (their `.shape` is used).
    """
    y_true_shape, y_pred_shape = _shape(y_true_shape), _shape(y_pred_shape)
    true_last = y_true_shape[-1] if y_true_shape else None
    pred_last = y_pred_shape[-1] if y_pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def get_accuracy_metric_for_shapes(y_true_shape, y_pred_shape,
                                   name="accuracy"):
    """The accuracy metric `"accuracy"`/`"acc"` stands for, named `name`."""
    is_binary, is_sparse = is_binary_or_sparse_categorical(
        y_true_shape, y_pred_shape)
    if is_binary:
        return BinaryAccuracy(name=str(name))
    if is_sparse:
        return SparseCategoricalAccuracy(name=str(name))
    return CategoricalAccuracy(name=str(name))


def get_crossentropy_for_shapes(y_true_shape, y_pred_shape):
    """The per-sample loss function `"crossentropy"`/`"ce"` stands for."""
    from lamina import losses

    is_binary, is_sparse = is_binary_or_sparse_categorical(
        y_true_shape, y_pred_shape)
    if is_binary:
        return losses.binary_crossentropy
    if is_sparse:
        return losses.sparse_categorical_crossentropy
    return losses.categorical_crossentropy


def _object_name(obj):
    if hasattr(obj, "name") and isinstance(obj.name, str):
        return obj.name
    if hasattr(obj, "__name__"):
        return naming.to_snake_case(obj.__name__)
    return naming.to_snake_case(type(obj).__name__)


def get_metric_for_shapes(identifier, y_true_shape, y_pred_shape):
    """Resolves one entry of `compile(metrics=...)` into a `Metric`.

    Strings keep their spelling as the metric name (`"mse"` logs as
    `mse`); plain callables are wrapped in `MeanMetricWrapper`.
    """
    if identifier is None:
        raise ValueError("Expected a metric, received `None`.")
    if isinstance(identifier, str) and identifier.lower() in ACCURACY_NAMES:
        metric = get_accuracy_metric_for_shapes(y_true_shape, y_pred_shape,
                                                identifier)
    else:
        metric = METRICS.get(identifier)
    name = identifier if isinstance(identifier, str) \
        else _object_name(metric)
    if not isinstance(metric, Metric):
        if inspect.isclass(metric) or not callable(metric):
            raise ValueError(
                "Could not interpret metric identifier. Expected a string, "
                "a `Metric` or a callable `fn(y_true, y_pred)`. Received: "
                f"{identifier!r}"
            )
        metric = MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric
