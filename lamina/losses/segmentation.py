"""Overlap losses for segmentation: Dice and Tversky."""

import torch

from lamina import config
from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper


def _sum(x, axis):
    return torch.sum(x) if axis is None else torch.sum(x, dim=axis)


@LOSSES.register()
def dice(y_true, y_pred, axis=None):
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        y_true: Target masks.
        y_pred: Predicted masks (probabilities).
        axis: Axis or tuple of axes summed over; None (default) sums over
            everything and returns a scalar.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, "dice")
    intersection = _sum(y_true * y_pred, axis)
    union = _sum(y_true, axis) + _sum(y_pred, axis) + config.epsilon()
    return 1 - 2.0 * intersection / union


@LOSSES.register()
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """`1 - tp / (tp + alpha * fp + beta * fn)`, from soft counts.

    Args:
        y_true: Target masks.
        y_pred: Predicted masks (probabilities).
        alpha: Weight of the false positives.
        beta: Weight of the false negatives.
        axis: Axis or tuple of axes summed over; None (default) sums over
            everything and returns a scalar.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, "tversky")
    # Keras names the sums from y_true's side: `fp` counts target mass the
    # prediction misses, `fn` predicted mass outside the target.
    intersection = _sum(y_true * y_pred, axis)
    fp = _sum((1 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1 - y_true), axis)
    index = intersection / (
        intersection + fp * alpha + fn * beta + config.epsilon()
    )
    return 1 - index


@LOSSES.register()
class Dice(LossFunctionWrapper):
    """Dice loss: one minus the soft Dice coefficient.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"dice"`.
        axis: Axis or axes summed over; None (default) sums over all.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice",
                 axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


@LOSSES.register()
class Tversky(LossFunctionWrapper):
    """Tversky loss: a Dice loss with separate false-positive and
    false-negative weights (`alpha = beta = 0.5` gives Dice).

    Args:
        alpha: Weight of the false positives. Defaults to 0.5.
        beta: Weight of the false negatives. Defaults to 0.5.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"tversky"`.
        axis: Axis or axes summed over; None (default) sums over all.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size",
                 name="tversky", axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype,
                         alpha=alpha, beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "alpha": self.alpha,
                "beta": self.beta, "axis": self.axis}
