"""Thresholded confusion metrics: counts, precision, recall and the
sensitivity/specificity trade-off metrics."""

import torch

from lamina.metrics import _utils
from lamina.metrics import confusion_utils as cm
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric


class _ConfusionMatrixConditionCount(Metric):
    """Counts one confusion-matrix cell (`"tp"`, `"fp"`, `"tn"` or `"fn"`)."""

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None,
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = cm.parse_init_thresholds(thresholds, 0.5)
        self._thresholds = cm.ThresholdCache(self.thresholds)
        self._thresholds_distributed_evenly = \
            cm.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(
            shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        cm.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
            self._thresholds, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
        )

    def result(self):
        if len(self.thresholds) == 1:
            return self.accumulator[0].clone()
        return self.accumulator.clone()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@METRICS.register("false_positives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives at one or more thresholds.

    Args:
        thresholds: A float or list of floats in [0, 1]; a prediction is
            positive when above the threshold. Defaults to 0.5. With several
            thresholds the result holds one count per threshold.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(cm.FALSE_POSITIVES, thresholds, name, dtype)


@METRICS.register("false_negatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives at one or more thresholds.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(cm.FALSE_NEGATIVES, thresholds, name, dtype)


@METRICS.register("true_negatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives at one or more thresholds.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(cm.TRUE_NEGATIVES, thresholds, name, dtype)


@METRICS.register("true_positives")
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives at one or more thresholds.

    Args:
        thresholds: A float or list of floats in [0, 1]. Defaults to 0.5.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(cm.TRUE_POSITIVES, thresholds, name, dtype)


class _PrecisionRecallBase(Metric):
    """Shared state of `Precision` and `Recall`: TP and one error count."""

    _error_key = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None,
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else cm.NEG_INF
        self.thresholds = cm.parse_init_thresholds(thresholds, default)
        self._thresholds = cm.ThresholdCache(self.thresholds)
        self._thresholds_distributed_evenly = \
            cm.is_evenly_distributed_thresholds(self.thresholds)
        num_thresholds = len(self.thresholds)
        self.true_positives = self.add_variable(
            shape=(num_thresholds,), name="true_positives")
        error_name = {cm.FALSE_POSITIVES: "false_positives",
                      cm.FALSE_NEGATIVES: "false_negatives"}[self._error_key]
        self._errors = self.add_variable(shape=(num_thresholds,),
                                         name=error_name)
        setattr(self, error_name, self._errors)

    def update_state(self, y_true, y_pred, sample_weight=None):
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives,
             self._error_key: self._errors},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self):
        value = _utils.divide_no_nan(self.true_positives,
                                     self.true_positives + self._errors)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@METRICS.register("precision")
class Precision(_PrecisionRecallBase):
    """Precision `tp / (tp + fp)` of the predictions.

    Args:
        thresholds: A float or list of floats in [0, 1]; a prediction is
            positive when above the threshold. Defaults to 0.5 (or, with
            `top_k`, every top-k prediction is positive).
        top_k: Only the top `k` predictions of each row count as positive.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _error_key = cm.FALSE_POSITIVES


@METRICS.register("recall")
class Recall(_PrecisionRecallBase):
    """Recall `tp / (tp + fn)` of the predictions.

    Args:
        thresholds: A float or list of floats in [0, 1]; a prediction is
            positive when above the threshold. Defaults to 0.5 (or, with
            `top_k`, every top-k prediction is positive).
        top_k: Only the top `k` predictions of each row count as positive.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _error_key = cm.FALSE_NEGATIVES


class SensitivitySpecificityBase(Metric):
    """Keeps all four confusion counts on an evenly spaced threshold grid.

    Subclasses report the best value of one rate among thresholds where
    another rate reaches `value`: they name both in `_constrained_rate`
    and `_maximized_rate` (keys of `_rates()`).
    """

    _constrained_rate = None
    _maximized_rate = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(
                "Invalid value for argument `num_thresholds`. Expected an "
                f"integer > 0. Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1)
                     for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        self._thresholds = cm.ThresholdCache(self.thresholds)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape,
                                                 name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape,
                                                 name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives,
             cm.TRUE_NEGATIVES: self.true_negatives,
             cm.FALSE_POSITIVES: self.false_positives,
             cm.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight,
        )

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _rates(self):
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        return {
            "sensitivity": _utils.divide_no_nan(tp, tp + fn),
            "specificity": _utils.divide_no_nan(tn, tn + fp),
            "precision": _utils.divide_no_nan(tp, tp + fp),
        }

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(
            rates[self._constrained_rate], rates[self._maximized_rate])

    def _find_max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        candidates = torch.where(feasible, dependent,
                                 torch.zeros_like(dependent))
        # `initial=0`: the result is never below zero, even with no data.
        return torch.clamp(candidates.max(), min=0.0)


def _check_rate(value, argument):
    if value < 0 or value > 1:
        raise ValueError(
            f"Invalid value for argument `{argument}`. Expected a value in "
            f"the range [0, 1]. Received: {argument}={value}"
        )


@METRICS.register("sensitivity_at_specificity")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity (recall) where specificity is >= `specificity`.

    Args:
        specificity: A float in [0, 1].
        num_thresholds: Number of thresholds on the [0, 1] grid.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _constrained_rate = "specificity"
    _maximized_rate = "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None,
                 name=None, dtype=None):
        _check_rate(specificity, "specificity")
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def get_config(self):
        return {**super().get_config(),
                "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


@METRICS.register("specificity_at_sensitivity")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity where sensitivity (recall) is >= `sensitivity`.

    Args:
        sensitivity: A float in [0, 1].
        num_thresholds: Number of thresholds on the [0, 1] grid.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _constrained_rate = "sensitivity"
    _maximized_rate = "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None,
                 name=None, dtype=None):
        _check_rate(sensitivity, "sensitivity")
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def get_config(self):
        return {**super().get_config(),
                "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


@METRICS.register("precision_at_recall")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision where recall is >= `recall`.

    Args:
        recall: A float in [0, 1].
        num_thresholds: Number of thresholds on the [0, 1] grid.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _constrained_rate = "sensitivity"
    _maximized_rate = "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        _check_rate(recall, "recall")
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def get_config(self):
        return {**super().get_config(),
                "num_thresholds": self.num_thresholds, "recall": self.recall}


@METRICS.register("recall_at_precision")
class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall where precision is >= `precision`.

    Args:
        precision: A float in [0, 1].
        num_thresholds: Number of thresholds on the [0, 1] grid.
        class_id: Only this class (column) is evaluated.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _constrained_rate = "precision"
    _maximized_rate = "sensitivity"

    def __init__(self, precision, num_thresholds=200, class_id=None,
                 name=None, dtype=None):
        _check_rate(precision, "precision")
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def get_config(self):
        return {**super().get_config(),
                "num_thresholds": self.num_thresholds,
                "precision": self.precision}
