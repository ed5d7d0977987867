"""`AUC`: area under the ROC or precision-recall curve."""

import numpy as np
import torch

from lamina import config
from lamina.metrics import _utils
from lamina.metrics import confusion_utils as cm
from lamina.metrics.base import METRICS
from lamina.metrics.base import Metric
from lamina.utils.dtypes import to_torch_dtype

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


def _parse_curve(curve):
    key = getattr(curve, "value", curve)
    if isinstance(key, str) and key in ("ROC", "roc", "PR", "pr", "PRGAIN",
                                        "prgain"):
        return _CURVES[key.lower()]
    raise ValueError(
        "Invalid value for argument `curve`. Expected one of 'ROC', 'PR', "
        f"'PRGAIN'. Received: curve={curve!r}"
    )


def _parse_summation_method(method):
    key = getattr(method, "value", method)
    if isinstance(key, str) and key.lower() in _SUMMATION_METHODS and \
            key in (key.lower(), key.capitalize()):
        return key.lower()
    raise ValueError(
        "Invalid value for argument `summation_method`. Expected one of "
        f"{list(_SUMMATION_METHODS)}. Received: summation_method={method!r}"
    )


@METRICS.register("auc")
class AUC(Metric):
    """Approximates the area under the ROC or PR curve with a Riemann sum.

    The true/false positive/negative counts are kept at `num_thresholds`
    thresholds; the curve through them is integrated at result time.

    Args:
        num_thresholds: Number of thresholds on the [0, 1] grid (> 1).
        curve: `"ROC"`, `"PR"` (precision-recall) or `"PRGAIN"`.
        summation_method: `"interpolation"` (trapezoids; for PR, the
            interpolation of Davis & Goadrich 2006), `"minoring"` or
            `"majoring"`.
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        thresholds: Explicit thresholds in [0, 1]; overrides
            `num_thresholds` (-epsilon and 1+epsilon are added as ends).
        multi_label: Treat each label (column) separately and average the
            per-label AUCs, instead of flattening labels.
        num_labels: Number of labels with `multi_label=True`, to create the
            state before the first batch.
        label_weights: Per-label weights: for the flattened case they weight
            the counts; with `multi_label` they weight the average.
        from_logits: Whether predictions are logits (a sigmoid is applied).
    """

    def __init__(self, num_thresholds=200, curve="ROC",
                 summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            cm.assert_thresholds_range(_utils.to_list(thresholds))
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
            self._thresholds_distributed_evenly = \
                cm.is_evenly_distributed_thresholds(
                    np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Invalid value for argument `num_thresholds`. Expected "
                    "an integer > 1. Received: "
                    f"num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        epsilon = config.epsilon()
        self._thresholds = np.array(
            [0.0 - epsilon] + thresholds + [1.0 + epsilon])
        self._threshold_cache = cm.ThresholdCache(self._thresholds)
        self.curve = _parse_curve(curve)
        self.summation_method = _parse_summation_method(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = torch.as_tensor(
                np.asarray(label_weights), dtype=to_torch_dtype(self.dtype),
                device=self._device)
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError(
                    "`num_labels` is needed only when `multi_label` is True. "
                    f"Received: num_labels={num_labels}, multi_label=False"
                )
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, including the -epsilon and 1+epsilon ends."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for "
                    f"`y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(variable_shape,
                                                name="true_positives")
        self.false_positives = self.add_variable(variable_shape,
                                                 name="false_positives")
        self.true_negatives = self.add_variable(variable_shape,
                                                name="true_negatives")
        self.false_negatives = self.add_variable(variable_shape,
                                                 name="false_negatives")
        self._built = True

    def to(self, device):
        super().to(device)
        if self.label_weights is not None:
            self.label_weights = self.label_weights.to(device)
        return self

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _utils.to_tensor(y_pred, device=self._device)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self.multi_label and (y_pred.dim() != 2 or
                                 y_pred.shape[1] != self._num_labels):
            raise ValueError(
                f"AUC with `multi_label=True` expects `y_pred` of shape "
                f"(batch_size, {self._num_labels}). Received: "
                f"y_pred.shape={tuple(y_pred.shape)}"
            )
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives,
             cm.TRUE_NEGATIVES: self.true_negatives,
             cm.FALSE_POSITIVES: self.false_positives,
             cm.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._threshold_cache,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def _average_over_labels(self, by_label):
        if self.label_weights is None:
            return by_label.mean()
        return _utils.divide_no_nan((by_label * self.label_weights).sum(),
                                    self.label_weights.sum())

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated linearly in the counts.

        Between two thresholds, TP is linear in P = TP + FP with slope `s`
        and intercept `b`; integrating precision = s + b / P over recall
        gives `s * (dTP + b * log(P_i / P_{i+1})) / (TP_{i+1} + FN_{i+1})`.
        """
        tp, fp, fn = (self.true_positives, self.false_positives,
                      self.false_negatives)
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _utils.divide_no_nan(dtp, dp.clamp(min=0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        p_ratio = torch.where(
            both_positive, _utils.divide_no_nan(p[:-1], p[1:].clamp(min=0)),
            torch.ones_like(p[1:]))
        increments = _utils.divide_no_nan(
            slope * (dtp + intercept * torch.log(p_ratio)),
            (tp[1:] + fn[1:]).clamp(min=0))
        if self.multi_label:
            return self._average_over_labels(increments.sum(0))
        return increments.sum()

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = _utils.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _utils.divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _utils.divide_no_nan(tp, tp + fp)
        else:
            scale = _utils.divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * _utils.divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * _utils.divide_no_nan(fp, tp)
            no_tp = tp == 0
            recall_gain = torch.where(no_tp, 0.0, recall_gain).clamp(min=0.0)
            precision_gain = torch.where(no_tp, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        riemann_terms = (x[:-1] - x[1:]) * heights
        if self.multi_label:
            return self._average_over_labels(riemann_terms.sum(0))
        return riemann_terms.sum()

    def get_config(self):
        label_weights = None if self.label_weights is None \
            else self.label_weights.tolist()
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return {**super().get_config(), **config}
