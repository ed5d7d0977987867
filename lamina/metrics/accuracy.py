"""Accuracy metrics and their per-sample functions."""

import torch

from lamina import config
from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.reduction import METRIC_FUNCTIONS
from lamina.metrics.reduction import MeanMetricWrapper
from lamina.utils.tensor_utils import check_index_range

__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
]


def _floatx():
    return _utils.torch_dtype_of(config.floatx())


def _pair(y_true, y_pred, true_dtype="pred"):
    """Tensors for `y_pred` and `y_true` on the device of `y_pred`."""
    y_pred = _utils.to_tensor(y_pred)
    dtype = y_pred.dtype if true_dtype == "pred" else true_dtype
    y_true = _utils.to_tensor(y_true, dtype, y_pred.device)
    return y_true, y_pred


def _argmax(x):
    """Index of the largest value on the last axis. Bool one-hot labels
    count as 0/1 (torch's argmax has no bool kernel)."""
    return torch.argmax(x.to(torch.uint8) if x.dtype == torch.bool else x,
                        dim=-1)


def _in_top_k(targets, predictions, k):
    """Whether each target is among the top `k` predictions (ties count in)."""
    target_values = torch.take_along_dim(
        predictions, targets.long().unsqueeze(-1), dim=-1)
    num_above = (predictions > target_values).sum(dim=-1)
    return num_above < k


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred` elementwise, else 0.0."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    _utils.check_broadcastable(y_true, y_pred, "accuracy")
    return (y_true == y_pred).to(_floatx())


@METRIC_FUNCTIONS.register()
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `y_true` equals `y_pred > threshold`, else 0.0."""
    y_pred = _utils.to_tensor(y_pred)
    y_true = _utils.to_tensor(y_true, device=y_pred.device)
    y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    _utils.check_broadcastable(y_true, y_pred, "binary_accuracy")
    y_pred = (y_pred > threshold).to(y_true.dtype)
    return (y_true == y_pred).to(_floatx())


def _restore_shape(matches, shape, reshape):
    return matches.reshape(shape) if reshape else matches


@METRIC_FUNCTIONS.register()
def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` matches the one-hot `y_true`."""
    y_pred = _utils.to_tensor(y_pred)
    y_true = _utils.to_tensor(y_true, device=y_pred.device)
    _check_same_classes(y_true, y_pred, "categorical_accuracy")
    y_true = _argmax(y_true).to(y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.dim() == y_pred.dim()
    if reshape:
        y_true = y_true.squeeze(-1)
    y_pred = _argmax(y_pred).to(y_true.dtype)
    return _restore_shape((y_true == y_pred).to(_floatx()), shape, reshape)


@METRIC_FUNCTIONS.register()
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the integer label `y_true`."""
    y_true, y_pred = _pair(y_true, y_pred)
    shape = y_true.shape
    reshape = y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
    if reshape:
        y_true = y_true.squeeze(-1)
    y_pred = _argmax(y_pred).to(y_true.dtype)
    _utils.check_broadcastable(y_true, y_pred, "sparse_categorical_accuracy")
    matches = _restore_shape((y_true == y_pred).to(_floatx()), shape, reshape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


@METRIC_FUNCTIONS.register()
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target is in the top `k` of `y_pred`."""
    y_true, y_pred = _pair(y_true, y_pred)
    _check_same_classes(y_true, y_pred, "top_k_categorical_accuracy")
    y_true = _argmax(y_true)
    shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    reshape = y_true.dim() > 1
    if reshape:
        y_true = y_true.reshape(-1)
    matches = _in_top_k(y_true, y_pred, k).to(_floatx())
    return _restore_shape(matches, shape, reshape)


@METRIC_FUNCTIONS.register()
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5,
                                      from_sorted_ids=False):
    """1.0 where the integer target is in the top `k` of `y_pred`.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by score
    and only its first `k` columns are searched.
    """
    y_true, y_pred = _pair(
        y_true, y_pred, "pred" if from_sorted_ids else "int32")
    shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    reshape = y_true.dim() > 1
    if reshape:
        y_true = y_true.reshape(-1)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "sparse_top_k_categorical_accuracy: `y_true` must hold one label "
            f"per row of `y_pred`. Received: y_true.shape={tuple(shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if from_sorted_ids:
        matches = (y_true.unsqueeze(1) == y_pred[:, :k]).any(dim=1)
    else:
        # Unchecked, a label out of range is a device-side assert on CUDA
        # (and on the CPU `take_along_dim` reads out of bounds unchecked).
        check_index_range(
            y_true, y_pred.shape[-1],
            "sparse_top_k_categorical_accuracy labels (`y_true`)")
        matches = _in_top_k(y_true, y_pred, k)
    return _restore_shape(matches.to(_floatx()), shape, reshape)


def _check_same_classes(y_true, y_pred, owner):
    if y_true.dim() == 0 or y_pred.dim() == 0 or \
            y_true.shape[-1] != y_pred.shape[-1]:
        raise ValueError(
            f"{owner}: `y_true` must be one-hot with as many classes as "
            f"`y_pred`. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )


@METRICS.register("accuracy")
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@METRICS.register("binary_accuracy")
class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions match binary labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        threshold: A prediction counts as 1 when it is above `threshold`.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype,
                         threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "threshold": self.threshold}


@METRICS.register("categorical_accuracy")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches one-hot labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@METRICS.register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name,
                         dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@METRICS.register("top_k_categorical_accuracy")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot targets are in the top `k` predictions.

    Args:
        k: Number of top predictions to consider.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name,
                         dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@METRICS.register("sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer targets are in the top `k` predictions.

    Args:
        k: Number of top predictions to consider.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        from_sorted_ids: Whether `y_pred` holds class ids sorted by score
            instead of scores.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy",
                 dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name,
                         dtype=dtype, k=k, from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
