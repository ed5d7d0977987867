"""Binary, categorical and sparse categorical crossentropy.

Probabilities (`from_logits=False`) are clipped to
`[epsilon(), 1 - epsilon()]` before the logarithm, as Keras does on every
backend but TensorFlow; logits go through torch's fused, stable kernels.
"""

import warnings

import torch
import torch.nn.functional as F

from lamina import config
from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper
from lamina.utils.tensor_utils import index_range_guard


def elementwise_binary_crossentropy(target, output, from_logits, fn_name):
    """Unreduced binary crossentropy of same-shaped `target` and `output`."""
    _tensors.check_same_shape(target, output, fn_name)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target,
                                                  reduction="none")
    eps = config.epsilon()
    output = torch.clip(output, eps, 1.0 - eps)
    device_type = output.device.type
    if torch.is_autocast_enabled(device_type):
        # torch refuses this kernel under CUDA autocast; the inputs already
        # carry the loss's dtype, so it runs with autocast off.
        with torch.autocast(device_type, enabled=False):
            return F.binary_cross_entropy(output, target, reduction="none")
    return F.binary_cross_entropy(output, target, reduction="none")


def normalized_probabilities(output, axis):
    """Rescales `output` to sum to 1 along `axis`, then clips it."""
    eps = config.epsilon()
    output = output / torch.sum(output, dim=axis, keepdim=True)
    return torch.clip(output, eps, 1.0 - eps)


def smooth_labels(y_true, label_smoothing, num_classes):
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def warn_if_single_class(y_pred, fn_name):
    if y_pred.dim() and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, "
            "num_classes) with num_classes > 1. Received: y_pred.shape="
            f"{tuple(y_pred.shape)}. Consider using 'binary_crossentropy' if "
            "you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


@LOSSES.register("bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False,
                        label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: Targets in `[0, 1]`, same shape as `y_pred`.
        y_pred: Probabilities, or logits when `from_logits=True`.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In `[0, 1]`; targets are squeezed towards 0.5 by
            this amount.
        axis: The axis averaged over. Defaults to -1.

    Returns:
        Per-sample losses with `axis` reduced.
    """
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    loss = elementwise_binary_crossentropy(y_true, y_pred, from_logits,
                                           "binary_crossentropy")
    return torch.mean(loss, dim=axis)


@LOSSES.register()
def categorical_crossentropy(y_true, y_pred, from_logits=False,
                             label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predictions.

    Args:
        y_true: One-hot or probability targets, same shape as `y_pred`.
        y_pred: Probabilities, or logits when `from_logits=True`.
            Probabilities are rescaled to sum to 1 along `axis`.
        from_logits: Whether `y_pred` holds logits.
        label_smoothing: In `[0, 1]`; mixes the targets with the uniform
            distribution by this amount.
        axis: The class axis. Defaults to -1.

    Returns:
        Per-sample losses with the class axis reduced.
    """
    _tensors.check_axis(axis)
    y_true, y_pred = _tensors.convert_pair(y_true, y_pred)
    warn_if_single_class(y_pred, "categorical_crossentropy")
    if label_smoothing:
        y_true = smooth_labels(y_true, label_smoothing, y_true.shape[-1])
    _tensors.check_same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_true.dim() < 1:
        raise ValueError(
            "In `categorical_crossentropy`, `y_true` and `y_pred` must be at "
            f"least rank 1. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if from_logits:
        log_prob = F.log_softmax(y_pred, dim=axis)
    else:
        log_prob = torch.log(normalized_probabilities(y_pred, axis))
    return -torch.sum(y_true * log_prob, dim=axis)


@LOSSES.register()
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False,
                                    ignore_class=None, axis=-1):
    """Crossentropy between integer labels and predictions.

    Args:
        y_true: Integer class indices, shaped like `y_pred` without its class
            axis (a trailing axis of size 1 is accepted too).
        y_pred: Probabilities, or logits when `from_logits=True`.
        from_logits: Whether `y_pred` holds logits.
        ignore_class: A label value whose entries get a zero loss and are
            masked out of the reduction (e.g. a padding label).
        axis: The class axis of `y_pred`. Defaults to -1.

    Returns:
        Per-sample losses, shaped like `y_pred` without the class axis. With
        `ignore_class`, they carry a `_keras_mask` of the valid entries.
    """
    y_pred = _tensors.convert(y_pred)
    y_true = _tensors.convert(y_true, device=y_pred.device)
    # (Each shape is read once: tensor attribute reads cost every step.)
    shape, true_shape = y_pred.shape, y_true.shape
    rank = len(shape)
    if rank < 1:
        raise ValueError(
            "In `sparse_categorical_crossentropy`, `y_pred` must be at least "
            f"rank 1. Received: y_pred.shape={tuple(shape)}"
        )
    if len(true_shape) == rank and true_shape[axis] == 1:
        y_true = torch.squeeze(y_true, dim=axis)
        true_shape = y_true.shape
    class_axis = axis % rank
    expected = shape[:-1] if class_axis == rank - 1 else \
        shape[:class_axis] + shape[class_axis + 1:]
    if true_shape != expected:
        raise ValueError(
            "In `sparse_categorical_crossentropy`, `y_true` must have the "
            "shape of `y_pred` without its class axis. Received: "
            f"y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    # Unchecked, a label out of range is a device-side assert on CUDA.
    guard = index_range_guard(
        y_true, shape[class_axis],
        "sparse_categorical_crossentropy labels (`y_true`)",
        ignore=ignore_class)
    valid_mask = None
    if ignore_class is not None:
        valid_mask = y_true != ignore_class
        y_true = torch.where(valid_mask, y_true, torch.zeros_like(y_true))
    target = y_true.long()
    # torch's kernels want the class axis at position 1 and a batch axis.
    squeeze = rank == 1
    if squeeze:
        y_pred, target = y_pred.unsqueeze(0), target.unsqueeze(0)
    elif class_axis != 1:
        y_pred = y_pred.movedim(class_axis, 1)
    with guard:
        if from_logits:
            result = F.cross_entropy(y_pred, target, reduction="none")
        else:
            log_prob = torch.log(normalized_probabilities(y_pred, 1))
            result = F.nll_loss(log_prob, target, reduction="none")
    if squeeze:
        result = result.squeeze(0)
    if valid_mask is not None:
        result = torch.where(valid_mask, result, torch.zeros_like(result))
        _tensors.set_mask(result, valid_mask)
    return result


@LOSSES.register()
class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy between binary labels and predicted probabilities.

    Args:
        from_logits: Whether `y_pred` holds logits rather than
            probabilities. Defaults to False.
        label_smoothing: In `[0, 1]`; targets move towards 0.5 by this
            amount. Defaults to 0.
        axis: The axis averaged over. Defaults to -1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"binary_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.

    Example:

    >>> import torch
    >>> loss = BinaryCrossentropy(from_logits=True)
    >>> round(float(loss(torch.tensor([[1.0]]), torch.tensor([[0.0]]))), 4)
    0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy",
                 dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@LOSSES.register()
class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot labels and predicted distributions.

    Args:
        from_logits: Whether `y_pred` holds logits rather than
            probabilities. Defaults to False.
        label_smoothing: In `[0, 1]`; mixes the targets with the uniform
            distribution by this amount. Defaults to 0.
        axis: The class axis. Defaults to -1.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name,
                         reduction=reduction, dtype=dtype,
                         from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@LOSSES.register()
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer labels and predicted distributions.

    Args:
        from_logits: Whether `y_pred` holds logits rather than
            probabilities. Defaults to False.
        ignore_class: A label value (e.g. padding) whose entries are left out
            of the loss and of the mean. Defaults to None.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        axis: The class axis of `y_pred`. Defaults to -1.
        name: Defaults to `"sparse_categorical_crossentropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.

    Example:

    >>> import torch
    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss(torch.tensor([1]), torch.tensor([[0.0, 0.0]]))), 4)
    0.6931
    """

    _cast_y_true = False

    def __init__(self, from_logits=False, ignore_class=None,
                 reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name,
                         reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        # Keras 3.15 leaves `axis` out, losing it on reload; keeping it is
        # still a config Keras loads.
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
