"""Kullback-Leibler divergence and Poisson losses."""

import torch

from lamina import config
from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss_function_wrapper import _FixedFnWrapper


@LOSSES.register("kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis.

    Both inputs are clipped to `[epsilon(), 1]` first.

    Args:
        y_true: Target probability distributions.
        y_pred: Predicted probability distributions.

    Returns:
        Per-sample losses of shape `(batch, ...)`.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, "kl_divergence")
    y_true = torch.clip(y_true, config.epsilon(), 1)
    y_pred = torch.clip(y_pred, config.epsilon(), 1)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


@LOSSES.register()
def poisson(y_true, y_pred):
    """Mean of `y_pred - y_true * log(y_pred + epsilon())` over the last axis.

    Args:
        y_true: Observed counts.
        y_pred: Predicted rates.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, "poisson")
    return torch.mean(
        y_pred - y_true * torch.log(y_pred + config.epsilon()), dim=-1
    )


@LOSSES.register()
class KLDivergence(_FixedFnWrapper):
    """Kullback-Leibler divergence between label and predicted distributions.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"kl_divergence"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence",
                 dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction,
                         dtype=dtype)


@LOSSES.register()
class Poisson(_FixedFnWrapper):
    """Poisson loss: `y_pred - y_true * log(y_pred)`.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"poisson"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson",
                 dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)
