"""Focal crossentropies: crossentropy down-weighted on easy examples.

The focal factor `(1 - p_t) ** gamma` (Lin et al., 2017) shrinks the loss of
well-classified examples so training concentrates on the hard ones.
"""

import torch

from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.crossentropy import elementwise_binary_crossentropy
from lamina.losses.crossentropy import normalized_probabilities
from lamina.losses.crossentropy import smooth_labels
from lamina.losses.crossentropy import warn_if_single_class
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper


@LOSSES.register()
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False,
                              alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """Binary focal crossentropy, averaged over `axis`.

    Args:
        y_true: Targets in `[0, 1]`, same shape as `y_pred`.
        y_pred: Probabilities, or logits when `from_logits=True`.
        apply_class_balancing: Whether to weight positives by `alpha` and
            negatives by `1 - alpha`.
        alpha: The class-balancing weight of the positive class.
        gamma: The focusing exponent; 0 gives plain binary crossentropy.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In `[0, 1]`; targets move towards 0.5 by this
            amount.
        axis: The axis averaged over. Defaults to -1.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = elementwise_binary_crossentropy(y_true, y_pred, False,
                                          "binary_focal_crossentropy")
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        weight = y_true * alpha + (1 - y_true) * (1 - alpha)
        focal_bce = weight * focal_bce
    return torch.mean(focal_bce, dim=axis)


@LOSSES.register()
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0,
                                   from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """Categorical focal crossentropy, summed over the class axis.

    Args:
        y_true: One-hot or probability targets, same shape as `y_pred`.
        y_pred: Probabilities, or logits when `from_logits=True`.
        alpha: A weight on every term of the loss.
        gamma: The focusing exponent.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In `[0, 1]`; mixes the targets with the uniform
            distribution by this amount.
        axis: The class axis. Defaults to -1.
    """
    _tensors.check_axis(axis)
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    warn_if_single_class(y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        y_true = smooth_labels(y_true, label_smoothing, y_true.shape[-1])
    _tensors.check_broadcastable(y_true, y_pred,
                                 "categorical_focal_crossentropy")
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = normalized_probabilities(y_pred, axis)
    cce = -y_true * torch.log(output)
    focal_cce = torch.pow(1.0 - output, gamma) * alpha * cce
    return torch.sum(focal_cce, dim=axis)


@LOSSES.register()
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy scaled by the focal factor `(1 - p_t) ** gamma`.

    Args:
        apply_class_balancing: Whether to weight positives by `alpha` and
            negatives by `1 - alpha`. Defaults to False.
        alpha: The positive-class weight when balancing. Defaults to 0.25.
        gamma: The focusing exponent. Defaults to 2.
        from_logits: Whether `y_pred` holds logits. Defaults to False.
        label_smoothing: In `[0, 1]`. Defaults to 0.
        axis: The axis averaged over. Defaults to -1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"binary_focal_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                 from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name,
                         reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis,
                "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma}


@LOSSES.register()
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy scaled by `alpha * (1 - p) ** gamma`.

    Args:
        alpha: A weight on every term. Defaults to 0.25.
        gamma: The focusing exponent. Defaults to 2.
        from_logits: Whether `y_pred` holds logits. Defaults to False.
        label_smoothing: In `[0, 1]`. Defaults to 0.
        axis: The class axis. Defaults to -1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_focal_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size",
                 name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name,
                         reduction=reduction, dtype=dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis,
                "alpha": self.alpha, "gamma": self.gamma}
