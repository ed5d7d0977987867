"""Intersection-over-Union metrics, from an accumulated confusion matrix."""

import warnings

import torch

from lamina import config
from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric


class _IoUBase(Metric):
    """Accumulates a `(num_classes, num_classes)` confusion matrix.

    Rows are true classes, columns predicted classes. Labels outside
    `[0, num_classes)` and `ignore_class` are not counted.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        # Keras keeps the matrix in integers unless told otherwise.
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            shape=(num_classes, num_classes), dtype=self.dtype,
            name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = _utils.torch_dtype_of(self.dtype)
        y_true = _utils.to_tensor(y_true, device=self._device)
        y_pred = _utils.to_tensor(y_pred, device=self._device)
        if not self.sparse_y_true:
            if y_true.dtype == torch.bool:  # no bool argmax kernel in torch
                y_true = y_true.to(torch.uint8)
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        y_true = y_true.to(dtype).reshape(-1)
        y_pred = y_pred.to(dtype).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__}: `y_true` and `y_pred` must hold the "
                "same number of labels. Received: "
                f"{y_true.shape[0]} labels in y_true and {y_pred.shape[0]} "
                "in y_pred"
            )
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=dtype, device=self._device)
        else:
            sample_weight = _utils.to_tensor(sample_weight,
                                             device=self._device)
            if sample_weight.is_floating_point() and \
                    not dtype.is_floating_point:
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. "
                    "This may result in an incorrect weight due to type "
                    "casting. Consider using integer weights.",
                    stacklevel=2,
                )
            sample_weight = sample_weight.to(dtype)
            if sample_weight.dim() > 1:
                sample_weight = sample_weight.reshape(-1)
        sample_weight = sample_weight.broadcast_to(y_true.shape)
        in_bounds = (y_true >= 0) & (y_true < self.num_classes) & \
            (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            in_bounds = in_bounds & (y_true != self.ignore_class)
        zero = torch.zeros((), dtype=dtype, device=y_true.device)
        y_true = torch.where(in_bounds, y_true, zero).long()
        y_pred = torch.where(in_bounds, y_pred, zero).long()
        sample_weight = torch.where(in_bounds, sample_weight, zero)
        flat_cm = self.total_cm.view(-1)
        flat_cm.index_add_(0, y_true * self.num_classes + y_pred,
                           sample_weight)


@METRICS.register("io_u")
class IoU(_IoUBase):
    """Mean Intersection-over-Union over the classes `target_class_ids`.

    For each class, `IoU = TP / (TP + FP + FN)`; classes that never appear
    are left out of the mean.

    Args:
        num_classes: Number of classes.
        target_class_ids: Ids of the classes to average over.
        name: Name of the metric instance.
        dtype: Dtype of the accumulated confusion matrix (default int32).
        ignore_class: A class id whose labels are not counted.
        sparse_y_true: Whether labels are class ids (else one-hot/scores,
            reduced with argmax over `axis`).
        sparse_y_pred: Whether predictions are class ids (else scores).
        axis: The class axis of non-sparse inputs.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(
            name=name, num_classes=num_classes, ignore_class=ignore_class,
            sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
            axis=axis, dtype=dtype,
        )
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes:
            raise ValueError(
                "Invalid value for argument `target_class_ids`. Expected ids "
                f"in [0, {num_classes}). Received: "
                f"target_class_ids={target_class_ids}"
            )
        self.target_class_ids = target_class_ids
        self._target_ids = {}

    def _target_index(self, device):
        if device not in self._target_ids:
            self._target_ids[device] = torch.tensor(
                self.target_class_ids, dtype=torch.long, device=device)
        return self._target_ids[device]

    def result(self):
        matrix = self.total_cm.to(torch.float32)
        sum_over_row = matrix.sum(0)
        sum_over_col = matrix.sum(1)
        true_positives = torch.diagonal(matrix)
        denominator = sum_over_row + sum_over_col - true_positives
        index = self._target_index(matrix.device)
        true_positives = true_positives[index]
        denominator = denominator[index]
        valid = denominator > 1e-9
        epsilon = config.epsilon()
        iou = torch.where(valid, true_positives / (denominator + epsilon), 0.0)
        return iou.sum(dim=self.axis) / (valid.sum() + epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


@METRICS.register("binary_io_u")
class BinaryIoU(IoU):
    """IoU for binary labels, with predictions thresholded at `threshold`.

    Args:
        target_class_ids: Classes to average over: `(0,)`, `(1,)` or
            `(0, 1)`.
        threshold: A prediction is class 1 when `>= threshold`.
        name: Name of the metric instance.
        dtype: Dtype of the accumulated confusion matrix (default int32).
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None,
                 dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids,
                         name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = _utils.torch_dtype_of(self.dtype)
        y_true = _utils.to_tensor(y_true, dtype, self._device)
        y_pred = _utils.to_tensor(y_pred, torch.float32, self._device)
        y_pred = (y_pred >= self.threshold).to(dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids,
                "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


@METRICS.register("mean_io_u")
class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes.

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance.
        dtype: Dtype of the accumulated confusion matrix (default int32).
        ignore_class: A class id whose labels are not counted.
        sparse_y_true: Whether labels are class ids.
        sparse_y_pred: Whether predictions are class ids.
        axis: The class axis of non-sparse inputs.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(
            name=name, num_classes=num_classes,
            target_class_ids=list(range(num_classes)), axis=axis,
            dtype=dtype, ignore_class=ignore_class,
            sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
        )

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@METRICS.register("one_hot_io_u")
class OneHotIoU(IoU):
    """IoU for one-hot labels (and score or one-hot predictions).

    Args:
        num_classes: Number of classes.
        target_class_ids: Ids of the classes to average over.
        name: Name of the metric instance.
        dtype: Dtype of the accumulated confusion matrix (default int32).
        ignore_class: A class id whose labels are not counted.
        sparse_y_pred: Whether predictions are class ids (default: scores).
        axis: The class axis.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(
            num_classes=num_classes, target_class_ids=target_class_ids,
            name=name, dtype=dtype, ignore_class=ignore_class,
            sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis,
        )

    def get_config(self):
        return {"num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@METRICS.register("one_hot_mean_io_u")
class OneHotMeanIoU(MeanIoU):
    """Mean IoU over all classes, for one-hot labels.

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance.
        dtype: Dtype of the accumulated confusion matrix (default int32).
        ignore_class: A class id whose labels are not counted.
        sparse_y_pred: Whether predictions are class ids (default: scores).
        axis: The class axis.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(
            num_classes=num_classes, axis=axis, name=name, dtype=dtype,
            ignore_class=ignore_class, sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
        )

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
