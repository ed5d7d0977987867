"""Thresholded confusion-matrix counting shared by the confusion metrics.

`update_confusion_matrix_variables` adds, for every threshold, the weighted
number of true/false positives/negatives of a batch to state variables.
Evenly spaced thresholds take a bucketing path (one scatter-add and a reverse
cumulative sum, O(n + thresholds)) instead of comparing every prediction
with every threshold.
"""

import math

import numpy as np
import torch

from lamina import config
from lamina.metrics import _utils

NEG_INF = -1e10

TRUE_POSITIVES = "tp"
FALSE_POSITIVES = "fp"
TRUE_NEGATIVES = "tn"
FALSE_NEGATIVES = "fn"
_KEYS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)


def assert_thresholds_range(thresholds):
    if thresholds is None:
        return
    invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(
            "Invalid value for argument `thresholds`. Threshold values must "
            f"be in [0, 1]. Received: {invalid}"
        )


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        assert_thresholds_range(_utils.to_list(thresholds))
    return _utils.to_list(
        default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds):
    """Whether thresholds are `i / (n - 1)` for `i` in `0..n-1` (n >= 3)."""
    num_thresholds = len(thresholds)
    if num_thresholds < 3:
        return False
    even = np.arange(num_thresholds, dtype=np.float32) / (num_thresholds - 1)
    return np.allclose(thresholds, even, atol=config.epsilon())


def filter_top_k(x, k):
    """Keeps the top `k` entries along the last axis; others become NEG_INF."""
    _, indices = torch.topk(x, k, dim=-1)
    mask = torch.zeros_like(x).scatter_(-1, indices, 1.0)
    return x * mask + NEG_INF * (1 - mask)


class ThresholdCache:
    """The thresholds of a metric as a tensor, built once per device."""

    def __init__(self, thresholds):
        self.values = [float(t) for t in thresholds]
        self._tensors = {}

    def get(self, device, dtype):
        key = (device, dtype)
        if key not in self._tensors:
            self._tensors[key] = torch.tensor(self.values, dtype=dtype,
                                              device=device)
        return self._tensors[key]


def update_confusion_matrix_variables(
    variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
    sample_weight=None, multi_label=False, label_weights=None,
    thresholds_distributed_evenly=False,
):
    """Adds a batch's thresholded confusion counts to `variables`.

    Args:
        variables: Dict from `"tp"`, `"fp"`, `"tn"`, `"fn"` to the state
            variables to update, of shape `(num_thresholds,)` (or
            `(num_thresholds, num_labels)` with `multi_label`).
        y_true: Labels; nonzero means positive.
        y_pred: Predictions in [0, 1].
        thresholds: A `ThresholdCache`; a prediction is positive when it is
            strictly above a threshold.
        top_k: Only the top `k` predictions of each row count as positive.
        class_id: Only this column of `y_true`/`y_pred` is counted.
        sample_weight: Weights broadcastable to `y_pred`.
        multi_label: Keep one count per label (last axis) instead of
            flattening the labels.
        label_weights: Per-label weights (flattened case only).
        thresholds_distributed_evenly: Take the bucketing path.
    """
    if not variables or any(key not in _KEYS for key in variables):
        raise ValueError(
            f"Invalid keys: {list(variables)}. Valid variable key options "
            f"are: {list(_KEYS)}"
        )
    first = next(iter(variables.values()))
    dtype, device = first.dtype, first.device
    y_true = _utils.to_tensor(y_true, dtype, device)
    y_pred = _utils.to_tensor(y_pred, dtype, device)
    y_pred, y_true = _utils.squeeze_or_expand_to_same_rank(y_pred, y_true)
    _utils.check_same_shape(y_true, y_pred, "Confusion-matrix metrics")
    if sample_weight is not None:
        sample_weight = _utils.to_tensor(sample_weight, dtype, device)
        _, sample_weight = _utils.squeeze_or_expand_to_same_rank(
            y_true, sample_weight.unsqueeze(-1), expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "When `class_id` is provided, `y_pred` must be a 2D array "
                "with shape (num_samples, num_classes). Received: "
                f"y_pred.shape={tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if sample_weight is not None:
        try:
            sample_weight = sample_weight.broadcast_to(y_pred.shape)
        except RuntimeError:
            raise ValueError(
                "Argument `sample_weight` cannot be broadcast to the shape of "
                f"`y_pred`. Received: sample_weight.shape="
                f"{tuple(sample_weight.shape)}, y_pred.shape="
                f"{tuple(y_pred.shape)}"
            ) from None
    weights = sample_weight
    if label_weights is not None and not multi_label:
        label_weights = label_weights.to(device=device, dtype=dtype)
        label_weights = label_weights.unsqueeze(0).broadcast_to(y_pred.shape)
        weights = label_weights if weights is None else weights * label_weights
    if thresholds_distributed_evenly:
        with_epsilon = thresholds.values[0] < 0.0 or \
            thresholds.values[-1] > 1.0
        counts = _bucketed_counts(y_true, y_pred, weights, len(
            thresholds.values), multi_label, with_epsilon)
    else:
        counts = _compared_counts(y_true, y_pred, weights,
                                  thresholds.get(device, dtype), multi_label)
    for key, variable in variables.items():
        variable.add_(counts(key))


def _bucketed_counts(y_true, y_pred, weights, num_thresholds, multi_label,
                     with_epsilon):
    y_pred = y_pred.clamp(0.0, 1.0)
    y_true = (y_true != 0).to(y_pred.dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        if weights is not None:
            weights = weights.reshape(-1)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = 1.0 - y_true if weights is None \
        else (1.0 - y_true) * weights
    # Bucket i holds predictions in (t_i, t_{i+1}]; -1 (a prediction equal
    # to the lowest threshold) is dropped unless the grid starts below 0.
    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = torch.relu(buckets)
    buckets = buckets.long() + 1
    num_bins = num_thresholds + 1
    if multi_label:
        num_labels = y_pred.shape[-1]
        offsets = torch.arange(num_labels, device=y_pred.device) * num_bins
        buckets = (buckets + offsets).reshape(-1)
        true_labels, false_labels = (true_labels.reshape(-1),
                                     false_labels.reshape(-1))
        shape = (num_labels, num_bins)
    else:
        shape = (num_bins,)

    def cumulative(labels):
        bins = torch.zeros(math.prod(shape), dtype=labels.dtype,
                           device=labels.device)
        bins.index_add_(0, buckets, labels)
        bins = bins.reshape(shape)[..., 1:]
        counts = bins.flip(-1).cumsum(-1).flip(-1)
        return counts.transpose(0, 1) if multi_label else counts

    cache = {}

    def counts(key):
        if key not in cache:
            if key == TRUE_POSITIVES:
                cache[key] = cumulative(true_labels)
            elif key == FALSE_POSITIVES:
                cache[key] = cumulative(false_labels)
            elif key == TRUE_NEGATIVES:
                total = false_labels.reshape(-1, *shape[:-1]).sum(0) \
                    if multi_label else false_labels.sum()
                cache[key] = total - counts(FALSE_POSITIVES)
            else:
                total = true_labels.reshape(-1, *shape[:-1]).sum(0) \
                    if multi_label else true_labels.sum()
                cache[key] = total - counts(TRUE_POSITIVES)
        return cache[key]

    return counts


def _compared_counts(y_true, y_pred, weights, thresholds, multi_label):
    label_is_pos = (y_true != 0).to(y_pred.dtype)
    if multi_label:
        # (thresholds, samples, labels...) comparisons, summed over samples.
        pred_is_pos = y_pred.unsqueeze(0) > thresholds.view(
            -1, *[1] * y_pred.dim())
    else:
        y_pred, label_is_pos = y_pred.reshape(-1), label_is_pos.reshape(-1)
        if weights is not None:
            weights = weights.reshape(-1)
        pred_is_pos = y_pred.unsqueeze(0) > thresholds.unsqueeze(1)
    pred_is_pos = pred_is_pos.to(y_pred.dtype)
    label_is_neg = 1.0 - label_is_pos
    if weights is not None:
        label_is_pos = label_is_pos * weights
        label_is_neg = label_is_neg * weights
    pairs = {
        TRUE_POSITIVES: (label_is_pos, True),
        FALSE_NEGATIVES: (label_is_pos, False),
        FALSE_POSITIVES: (label_is_neg, True),
        TRUE_NEGATIVES: (label_is_neg, False),
    }

    def counts(key):
        labels, positive = pairs[key]
        predicted = pred_is_pos if positive else 1.0 - pred_is_pos
        if multi_label:
            return (predicted * labels).sum(1)
        return predicted @ labels

    return counts
