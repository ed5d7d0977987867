"""`FBetaScore` and `F1Score` for multi-class and multi-label outputs."""

from lamina import config
from lamina.metrics import _utils
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric


@METRICS.register("f_beta_score")
class FBetaScore(Metric):
    """F-beta score: `(1 + beta**2) * P * R / (beta**2 * P + R)`.

    Inputs have shape `(batch_size, num_classes)`.

    Args:
        average: `None` (one score per class), `"micro"` (counts pooled over
            classes), `"macro"` (unweighted mean of class scores) or
            `"weighted"` (mean weighted by the support of each class).
        beta: Weight of recall relative to precision; a float > 0.
        threshold: A float in (0, 1]: predictions above it are positive.
            With `None`, the highest prediction of each row is positive.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, average=None, beta=1.0, threshold=None,
                 name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: "
                "{None, 'micro', 'macro', 'weighted'}. "
                f"Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                "Invalid `beta` argument value. It should be > 0. "
                f"Received: beta={beta}"
            )
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a "
                    f"Python float. Received: threshold={threshold} of type "
                    f"'{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify "
                    f"0 < threshold <= 1. Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape "
                "(batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(
            shape, dtype=self.dtype, name="true_positives")
        self.false_positives = self.add_variable(
            shape, dtype=self.dtype, name="false_positives")
        self.false_negatives = self.add_variable(
            shape, dtype=self.dtype, name="false_negatives")
        self.intermediate_weights = self.add_variable(
            shape, dtype=self.dtype, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _utils.to_tensor(y_true, self.dtype, self._device)
        y_pred = _utils.to_tensor(y_pred, self.dtype, self._device)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        _utils.check_same_shape(y_true, y_pred, type(self).__name__)
        if self.axis == 0 and y_pred.shape[-1] != \
                self.true_positives.shape[0]:
            raise ValueError(
                f"{type(self).__name__} was built for "
                f"{self.true_positives.shape[0]} classes. Received: "
                f"y_pred.shape={tuple(y_pred.shape)}"
            )
        if self.threshold is None:
            row_max = y_pred.max(dim=-1, keepdim=True).values
            y_pred = (y_pred >= row_max) & (y_pred.abs() > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(y_true.dtype)
        if sample_weight is not None:
            sample_weight = _utils.to_tensor(sample_weight, self.dtype,
                                             self._device).unsqueeze(1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return values.sum() if self.axis is None else values.sum(0)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self):
        epsilon = config.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + epsilon)
        recall = tp / (tp + self.false_negatives + epsilon)
        beta_squared = self.beta ** 2
        score = precision * recall / (beta_squared * precision + recall +
                                      epsilon) * (1 + beta_squared)
        if self.average == "weighted":
            weights = self.intermediate_weights / (
                self.intermediate_weights.sum() + epsilon)
            return (score * weights).sum()
        if self.average is not None:
            return score.mean()
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


@METRICS.register("f1_score")
class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (beta = 1).

    Args:
        average: `None`, `"micro"`, `"macro"` or `"weighted"` (see
            `FBetaScore`).
        threshold: A float in (0, 1], or `None` for the row-wise maximum.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, average=None, threshold=None, name="f1_score",
                 dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold,
                         name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
