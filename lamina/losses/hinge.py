"""Hinge losses for maximum-margin classifiers."""

import torch

from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss_function_wrapper import _FixedFnWrapper


def _to_signed_labels(y_true):
    """Maps {0, 1} labels to {-1, 1}; labels already signed are kept.

    The check covers the whole batch, as Keras's does, and stays on the
    device (`torch.where` on a 0-d condition) instead of syncing the host.
    """
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def _margins(y_true, y_pred, fn_name):
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, fn_name)
    y_true = _to_signed_labels(y_true)
    return torch.clamp_min(1.0 - y_true * y_pred, 0.0)


@LOSSES.register()
def hinge(y_true, y_pred):
    """Mean of `maximum(1 - y_true * y_pred, 0)` over the last axis.

    Args:
        y_true: Labels in {-1, 1}, or {0, 1} (converted to {-1, 1}).
        y_pred: Predicted scores.
    """
    return torch.mean(_margins(y_true, y_pred, "hinge"), dim=-1)


@LOSSES.register()
def squared_hinge(y_true, y_pred):
    """Mean of `square(maximum(1 - y_true * y_pred, 0))` over the last axis.

    Args:
        y_true: Labels in {-1, 1}, or {0, 1} (converted to {-1, 1}).
        y_pred: Predicted scores.
    """
    return torch.mean(torch.square(_margins(y_true, y_pred, "squared_hinge")),
                      dim=-1)


@LOSSES.register()
def categorical_hinge(y_true, y_pred):
    """`maximum(neg - pos + 1, 0)` with `pos` the true-class score and `neg`
    the highest other score.

    Args:
        y_true: One-hot labels.
        y_pred: Predicted scores, same shape.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, "categorical_hinge")
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp_min(neg - pos + 1.0, 0.0)


@LOSSES.register()
class Hinge(_FixedFnWrapper):
    """Hinge loss, `maximum(1 - y_true * y_pred, 0)`.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"hinge"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge",
                 dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


@LOSSES.register()
class SquaredHinge(_FixedFnWrapper):
    """Squared hinge loss, `square(maximum(1 - y_true * y_pred, 0))`.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"squared_hinge"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge",
                 dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction,
                         dtype=dtype)


@LOSSES.register()
class CategoricalHinge(_FixedFnWrapper):
    """Categorical hinge loss on one-hot labels.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_hinge"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction,
                         dtype=dtype)
