"""Generalized crossentropy: a noise-robust crossentropy (Zhang & Sabuncu,
2018)."""

import torch

from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper
from lamina.utils.tensor_utils import index_range_guard


@LOSSES.register()
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p ** q) / q`, with `p` the predicted probability of the label.

    It tends to crossentropy as `q -> 0` and to mean absolute error at
    `q = 1`; values in between trade convergence for robustness to noisy
    labels.

    Args:
        y_true: Integer labels, shape `(batch, ...)` (a trailing axis of size
            1 is accepted too).
        y_pred: Probabilities, shape `(batch, ..., num_classes)`.
        q: The exponent, in `(0, 1)`.
    """
    y_pred = _tensors.convert(y_pred)
    y_true = _tensors.convert(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            "In `categorical_generalized_cross_entropy`, `y_true` must have "
            "the shape of `y_pred` without its class axis. Received: "
            f"y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    # Gathering the label's probability equals Keras's one-hot sum.
    with index_range_guard(
            y_true, y_pred.shape[-1],
            "categorical_generalized_cross_entropy labels (`y_true`)"):
        p = torch.gather(y_pred, -1, y_true.long().unsqueeze(-1)).squeeze(-1)
    return (1 - torch.pow(p, q)) / q


@LOSSES.register()
class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized crossentropy for training with noisy integer labels.

    Args:
        q: The exponent, in `(0, 1)`: near 0 behaves like crossentropy,
            near 1 like mean absolute error. Defaults to 0.5.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_generalized_cross_entropy"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    _cast_y_true = False

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(
                "Invalid value for argument `q`. Expected a float in the open "
                f"interval (0, 1). Received: q={q}"
            )
        super().__init__(categorical_generalized_cross_entropy, name=name,
                         reduction=reduction, dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}
