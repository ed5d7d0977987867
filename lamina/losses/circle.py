"""Circle loss for metric learning (Sun et al., 2020)."""

import torch
import torch.nn.functional as F

from lamina.losses import _tensors
from lamina.losses._registry import LOSSES
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper


def _pos_neg_masks(query_labels, key_labels, remove_diagonal):
    query_labels = query_labels.reshape(-1, 1)
    key_labels = key_labels.reshape(-1, 1)
    positive = query_labels == key_labels.T
    negative = ~positive
    if remove_diagonal:
        eye = torch.eye(query_labels.numel(), key_labels.numel(),
                        dtype=torch.bool, device=positive.device)
        positive = positive & ~eye
    return positive, negative


@LOSSES.register()
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None,
           remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss of each embedding against a set of reference embeddings.

    Pairs with the same label are pulled together and the others pushed
    apart, each pair weighted by how far it is from its optimum. Embeddings
    should be L2-normalized, so `1 - dot` is their cosine distance.

    Args:
        y_true: Integer labels, shape `(batch,)`.
        y_pred: Embeddings, shape `(batch, dim)`.
        ref_labels: Labels of the references; defaults to `y_true`.
        ref_embeddings: Reference embeddings; defaults to `y_pred`.
        remove_diagonal: Whether to drop each sample's pairing with itself
            from the positives (right when the references are the batch).
        gamma: Scale factor. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.

    Returns:
        Per-sample losses of shape `(batch,)`, with a `_keras_mask` of the
        positive entries so that means skip samples without a pair.
    """
    y_pred = _tensors.convert(y_pred)
    y_true = _tensors.convert(y_true, device=y_pred.device).to(torch.int32)
    ref_embeddings = y_pred if ref_embeddings is None else _tensors.convert(
        ref_embeddings, device=y_pred.device)
    ref_labels = y_true if ref_labels is None else _tensors.convert(
        ref_labels, device=y_pred.device).to(torch.int32)
    if y_pred.dim() != 2 or ref_embeddings.dim() != 2:
        raise ValueError(
            "In `circle`, `y_pred` and `ref_embeddings` must be embeddings "
            "of shape (batch, dim). Received: "
            f"y_pred.shape={tuple(y_pred.shape)}, "
            f"ref_embeddings.shape={tuple(ref_embeddings.shape)}"
        )
    if y_true.numel() != y_pred.shape[0]:
        raise ValueError(
            "In `circle`, `y_true` must hold one label per embedding. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    optim_pos, optim_neg = margin, 1 + margin
    delta_pos, delta_neg = margin, 1 - margin
    distances = torch.clamp_min(1 - y_pred @ ref_embeddings.T, 0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    pos_weights = torch.clamp_min(
        (optim_pos + distances) * positive.to(distances.dtype), 0.0)
    neg_weights = torch.clamp_min(
        (optim_neg - distances) * negative.to(distances.dtype), 0.0)
    pos_wdists = -1 * gamma * pos_weights * (delta_pos - distances)
    neg_wdists = gamma * neg_weights * (delta_neg - distances)
    neg_inf = torch.tensor(float("-inf"), dtype=distances.dtype,
                           device=distances.device)
    p_loss = torch.logsumexp(torch.where(positive, pos_wdists, neg_inf), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_wdists, neg_inf), dim=1)
    loss = F.softplus(p_loss + n_loss)
    return _tensors.set_mask(loss, loss > 0)


@LOSSES.register()
class Circle(LossFunctionWrapper):
    """Circle loss over the pairs within each batch of embeddings.

    Args:
        gamma: Scale factor. Defaults to 80.
        margin: Relaxation margin. Defaults to 0.4.
        remove_diagonal: Whether to drop each sample's pairing with itself.
            Defaults to True.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"circle"`.
        dtype: Dtype of the computation. Defaults to `floatx()`.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype,
                         gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma,
                "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}
