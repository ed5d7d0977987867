"""Regression metrics: errors, cosine similarity and the R2 score."""

import warnings

import torch

from lamina import config
from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric
from lamina.metrics.reduction import Mean
from lamina.metrics.reduction import MeanMetricWrapper


def _loss_function(name):
    # Imported on use: the per-sample functions live in `lamina.losses`.
    from lamina import losses

    return getattr(losses, name)


class _LossMean(MeanMetricWrapper):
    """Mean of a per-sample `lamina.losses` function; config: name, dtype."""

    _loss_name = None

    def __init__(self, name=None, dtype=None):
        super().__init__(_loss_function(self._loss_name), name=name,
                         dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@METRICS.register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(_LossMean):
    """Mean of `(y_true - y_pred) ** 2`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "mean_squared_error"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(_LossMean):
    """Mean of `abs(y_true - y_pred)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "mean_absolute_error"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(_LossMean):
    """Mean of `100 * abs((y_true - y_pred) / y_true)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "mean_absolute_percentage_error"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(_LossMean):
    """Mean of `(log(y_true + 1) - log(y_pred + 1)) ** 2`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "mean_squared_logarithmic_error"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("log_cosh_error")
class LogCoshError(_LossMean):
    """Mean of the logarithm of the hyperbolic cosine of the error.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "log_cosh"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("root_mean_squared_error")
class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of `(y_true - y_pred) ** 2`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _utils.to_tensor(y_true, self.dtype, self._device)
        y_pred = _utils.to_tensor(y_pred, self.dtype, self._device)
        y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        _utils.check_broadcastable(y_true, y_pred, type(self).__name__)
        return super().update_state(torch.square(y_pred - y_true),
                                    sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity of `y_true` and `y_pred` along `axis` (in [-1, 1]).

    Unlike the loss of the same name, the value is not negated.
    """
    y_pred = _utils.to_tensor(y_pred)
    y_true = _utils.to_tensor(y_true, y_pred.dtype, y_pred.device)
    y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
    _utils.check_broadcastable(y_true, y_pred, "cosine_similarity")
    return (_l2_normalize(y_true, axis) *
            _l2_normalize(y_pred, axis)).sum(dim=axis)


def _l2_normalize(x, axis):
    if x.dim() == 0:
        x = x.unsqueeze(0)
    inv_norm = torch.rsqrt(torch.square(x).sum(dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / config.epsilon())


@METRICS.register("cosine_similarity")
class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        axis: The axis along which the similarity is computed.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        # Keras leaves `axis` out; it is kept when it changes the metric.
        if self.axis != -1:
            config["axis"] = self.axis
        return config


@METRICS.register("r2_score")
class R2Score(Metric):
    """Coefficient of determination `1 - SS_res / SS_tot`, per output column.

    Args:
        class_aggregation: How per-column scores are combined: `None` (one
            score per column), `"uniform_average"` or
            `"variance_weighted_average"`.
        num_regressors: Number of independent regressors; when > 0 the
            adjusted R2 score is returned.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected "
                f"one of {valid}. Received: "
                f"class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a "
                f"value >= 0. Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, "
                "output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = y_pred_shape[-1]
        self.squared_sum = self.add_variable((num_classes,),
                                             name="squared_sum")
        self.sum = self.add_variable((num_classes,), name="sum")
        self.total_mse = self.add_variable((num_classes,), name="residual")
        self.count = self.add_variable((num_classes,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _utils.to_tensor(y_true, self.dtype, self._device)
        y_pred = _utils.to_tensor(y_pred, self.dtype, self._device)
        y_true, y_pred = _utils.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        _utils.check_same_shape(y_true, y_pred, "R2Score")
        if y_pred.shape[-1] != self.sum.shape[0]:
            raise ValueError(
                f"R2Score was built for {self.sum.shape[0]} outputs. "
                f"Received: y_pred.shape={tuple(y_pred.shape)}"
            )
        if sample_weight is None:
            sample_weight = torch.ones((), dtype=y_true.dtype,
                                       device=y_true.device)
        else:
            sample_weight = _utils.to_tensor(sample_weight, self.dtype,
                                             self._device)
            if sample_weight.dim() == 1:
                sample_weight = sample_weight.unsqueeze(1)
        sample_weight = sample_weight.broadcast_to(y_true.shape)
        weighted_y_true = y_true * sample_weight
        self.sum.add_(weighted_y_true.sum(0))
        self.squared_sum.add_((y_true * weighted_y_true).sum(0))
        self.total_mse.add_((torch.square(y_true - y_pred) *
                             sample_weight).sum(0))
        self.count.add_(sample_weight.sum(0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = torch.where(torch.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = raw_scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = (total * raw_scores).sum() / total.sum()
        else:
            r2_score = raw_scores
        if self.num_regressors != 0:
            r2_score = self._adjust(r2_score)
        return r2_score

    def _adjust(self, r2_score):
        # Reading the sample count syncs with the host; only done here,
        # when the adjusted score is requested.
        num_samples = float(self.num_samples)
        if self.num_regressors > num_samples - 1:
            warnings.warn(
                "More independent predictors than datapoints in adjusted R2 "
                "score. Falling back to standard R2 score.", stacklevel=3)
            return r2_score
        if self.num_regressors == num_samples - 1:
            warnings.warn(
                "Division by zero in Adjusted R2 score. Falling back to "
                "standard R2 score.", stacklevel=3)
            return r2_score
        n, p = num_samples, float(self.num_regressors)
        return 1.0 - (1.0 - r2_score) * (n - 1.0) / (n - p - 1.0)

    def get_config(self):
        return {**super().get_config(),
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
