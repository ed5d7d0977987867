"""Connectionist temporal classification (CTC) loss."""

import torch
import torch.nn.functional as F

from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss_function_wrapper import _FixedFnWrapper
from lamina.utils.tensor_utils import check_index_range

# Keras reserves class 0 for the CTC blank and pads labels with it.
_BLANK = 0


@LOSSES.register()
def ctc(y_true, y_pred):
    """CTC loss of padded label sequences under per-step class logits.

    Args:
        y_true: Integer labels, shape `(batch, max_label_length)`, padded
            with 0 (also the blank class). A sequence's length is its count
            of non-zero labels.
        y_pred: Logits, shape `(batch, time, num_classes)`; every sequence
            uses all `time` steps.

    Returns:
        Per-sample negative log-likelihoods, shape `(batch,)`.
    """
    y_pred = _tensors.convert(y_pred)
    y_true = _tensors.convert(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape "
            "`(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={tuple(y_true.shape)}"
        )
    if y_pred.dim() != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape "
            "`(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    batch, steps = y_pred.shape[:2]
    if y_true.shape[0] != batch:
        raise ValueError(
            "In `ctc`, `y_true` and `y_pred` must have the same batch size. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    # Unchecked, a label out of range is a device-side assert on CUDA.
    check_index_range(y_true, y_pred.shape[-1], "ctc labels (`y_true`)")
    # Keras computes in float32 at least, as tf.nn.ctc_loss does.
    dtype = torch.promote_types(y_pred.dtype, torch.float32)
    log_probs = F.log_softmax(y_pred.to(dtype).transpose(0, 1), dim=-1)
    label_length = torch.sum(y_true != _BLANK, dim=-1, dtype=torch.int32)
    input_length = torch.full((batch,), steps, dtype=torch.int32,
                              device=y_pred.device)
    return F.ctc_loss(log_probs, y_true.long(), input_length, label_length,
                      blank=_BLANK, reduction="none")


@LOSSES.register()
class CTC(_FixedFnWrapper):
    """CTC loss for unaligned sequence labelling (speech, handwriting).

    Args:
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"ctc"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    _cast_y_true = False

    def __init__(self, reduction="sum_over_batch_size", name="ctc",
                 dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)
