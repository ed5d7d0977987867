"""Correlation metrics: Pearson and concordance correlation coefficients."""

import torch

from lamina import config
from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.reduction import METRIC_FUNCTIONS
from lamina.metrics.reduction import MeanMetricWrapper

__all__ = [
    "PearsonCorrelation", "ConcordanceCorrelation", "pearson_correlation",
    "concordance_correlation",
]


def _pair(y_true, y_pred, owner):
    y_pred = _utils.to_tensor(y_pred)
    y_true = _utils.to_tensor(y_true, y_pred.dtype, y_pred.device)
    y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    _utils.check_same_shape(y_true, y_pred, owner)
    return y_true, y_pred


@METRIC_FUNCTIONS.register()
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation of `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = _pair(y_true, y_pred, "pearson_correlation")
    y_true = y_true - y_true.mean(dim=axis, keepdim=True)
    y_pred = y_pred - y_pred.mean(dim=axis, keepdim=True)
    y_true = y_true / torch.std(y_true, dim=axis, keepdim=True, correction=0)
    y_pred = y_pred / torch.std(y_pred, dim=axis, keepdim=True, correction=0)
    return (y_true * y_pred).mean(dim=axis)


@METRIC_FUNCTIONS.register()
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation of `y_true` and `y_pred` along `axis`.

    As Keras 3 computes it: the covariance term centres `y_true` on the
    mean of `y_pred`.
    """
    y_true, y_pred = _pair(y_true, y_pred, "concordance_correlation")
    true_mean = y_true.mean(dim=axis, keepdim=True)
    pred_mean = y_pred.mean(dim=axis, keepdim=True)
    true_var = torch.var(y_true - true_mean, dim=axis, keepdim=True,
                         correction=0)
    pred_var = torch.var(y_pred - pred_mean, dim=axis, keepdim=True,
                         correction=0)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + torch.square(true_mean - pred_mean)
    return (2 * covariance / (norm + config.epsilon())).mean(dim=axis)


@METRICS.register("pearson_correlation")
class PearsonCorrelation(MeanMetricWrapper):
    """Mean Pearson correlation coefficient, computed along `axis`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        axis: The axis along which the correlation is computed.
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype,
                         axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@METRICS.register("concordance_correlation")
class ConcordanceCorrelation(MeanMetricWrapper):
    """Mean concordance correlation coefficient, computed along `axis`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        axis: The axis along which the correlation is computed.
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype,
                         axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
