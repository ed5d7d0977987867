"""Regression losses: squared, absolute, percentage, logarithmic, cosine,
Huber and log-cosh errors."""

import math

import torch
import torch.nn.functional as F

from lamina import config
from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss_function_wrapper import _FixedFnWrapper
from lamina.losses.reduction import squeeze_or_expand_to_same_rank


def _prepare(y_true, y_pred, fn_name):
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _tensors.check_broadcastable(y_true, y_pred, fn_name)
    return y_true, y_pred


@LOSSES.register("mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """Mean of `square(y_true - y_pred)` over the last axis.

    Args:
        y_true: Ground truth values, shape `(batch, ..., d)`.
        y_pred: Predictions, same shape.

    Returns:
        Per-sample losses of shape `(batch, ...)`.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


@LOSSES.register("mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """Mean of `abs(y_true - y_pred)` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


@LOSSES.register("mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / y_true))` over the last axis.

    `abs(y_true)` is floored at `epsilon()` to avoid dividing by zero.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    diff = torch.abs(
        (y_true - y_pred) / torch.clamp_min(torch.abs(y_true), config.epsilon())
    )
    return 100.0 * torch.mean(diff, dim=-1)


@LOSSES.register("msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of `square(log(y_true + 1) - log(y_pred + 1))` over the last axis.

    Both inputs are floored at `epsilon()` before the logarithm.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = config.epsilon()
    first_log = torch.log(torch.clamp_min(y_pred, eps) + 1.0)
    second_log = torch.log(torch.clamp_min(y_true, eps) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


def _l2_normalize(x, axis):
    # Keras's form: x * min(rsqrt(sum(x^2)), 1 / epsilon).
    inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
    return x * torch.clamp_max(inv_norm, 1.0 / config.epsilon())


@LOSSES.register()
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity between `y_true` and `y_pred` along `axis`.

    The result is in `[-1, 1]`: -1 for aligned vectors, 0 for orthogonal
    ones, so minimizing it aligns predictions with targets.

    Args:
        y_true: Ground truth vectors.
        y_pred: Predicted vectors.
        axis: The axis holding the vectors. Defaults to -1.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "cosine_similarity")
    y_pred = _l2_normalize(y_pred, axis)
    y_true = _l2_normalize(y_true, axis)
    return -torch.sum(y_true * y_pred, dim=axis)


@LOSSES.register()
def huber(y_true, y_pred, delta=1.0):
    """Huber loss, averaged over the last axis.

    With `x = y_pred - y_true`: `0.5 * x**2` where `abs(x) <= delta`, else
    `delta * abs(x) - 0.5 * delta**2`.

    Args:
        y_true: Ground truth values.
        y_pred: Predictions.
        delta: Where the loss turns from quadratic to linear.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    error = y_pred - y_true
    abs_error = torch.abs(error)
    delta = torch.as_tensor(delta, dtype=y_pred.dtype, device=y_pred.device)
    loss = torch.where(
        abs_error <= delta,
        0.5 * torch.square(error),
        delta * abs_error - 0.5 * torch.square(delta),
    )
    return torch.mean(loss, dim=-1)


@LOSSES.register("logcosh")
def log_cosh(y_true, y_pred):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis.

    Computed as `x + softplus(-2x) - log(2)`, which does not overflow.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return torch.mean(x + F.softplus(x * -2.0) - math.log(2.0), dim=-1)


@LOSSES.register()
class MeanSquaredError(_FixedFnWrapper):
    """Mean of the squared errors between labels and predictions.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"mean_squared_error"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction,
                         dtype=dtype)


@LOSSES.register()
class MeanAbsoluteError(_FixedFnWrapper):
    """Mean of the absolute errors between labels and predictions.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"mean_absolute_error"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction,
                         dtype=dtype)


@LOSSES.register()
class MeanAbsolutePercentageError(_FixedFnWrapper):
    """Mean absolute percentage error, `100 * abs((y_true - y_pred) / y_true)`.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"mean_absolute_percentage_error"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name,
                         reduction=reduction, dtype=dtype)


@LOSSES.register()
class MeanSquaredLogarithmicError(_FixedFnWrapper):
    """Mean squared error between `log(y_true + 1)` and `log(y_pred + 1)`.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"mean_squared_logarithmic_error"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name,
                         reduction=reduction, dtype=dtype)


@LOSSES.register()
class CosineSimilarity(_FixedFnWrapper):
    """Negative cosine similarity between labels and predictions.

    Args:
        axis: The axis holding the vectors. Defaults to -1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"cosine_similarity"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size",
                 name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction,
                         dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        # Keras 3.15 drops `axis` here, losing it on reload; keeping it is
        # still a config Keras loads.
        return {**super().get_config(), "axis": self.axis}


@LOSSES.register()
class Huber(_FixedFnWrapper):
    """Huber loss: quadratic for small errors, linear beyond `delta`.

    Args:
        delta: Where the loss turns from quadratic to linear. Defaults to 1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"huber_loss"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size",
                 name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype,
                         delta=delta)
        self.delta = delta

    def get_config(self):
        # Keras 3.15 drops `delta` here, losing it on reload; keeping it is
        # still a config Keras loads.
        return {**super().get_config(), "delta": self.delta}


@LOSSES.register()
class LogCosh(_FixedFnWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error.

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"log_cosh"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh",
                 dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction,
                         dtype=dtype)
