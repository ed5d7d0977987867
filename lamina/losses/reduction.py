"""Turning per-sample losses into one value: sample weights, masks, reduction.

The rules are Keras 3's: a mask attached to `y_pred` (or to the losses)
becomes part of the sample weights, weights and losses are squeezed or
expanded to the same rank, and the reduction divides by the number of loss
values (`"sum_over_batch_size"`, `"mean"`) or by the summed weights
(`"mean_with_sample_weight"`).
"""

import torch

from lamina.losses import _tensors

REDUCTIONS = (
    "sum_over_batch_size", "sum", "mean", "mean_with_sample_weight",
    "none", None,
)


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{list(REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeezes or expands the last axis when the ranks differ by exactly one.

    A trailing axis of size 1 is dropped from the higher-rank tensor, except
    that a rank-1 partner is expanded instead (when `expand_rank_1`), so that
    `(batch,)` against `(batch, 1)` becomes `(batch, 1)` twice.
    """
    x1_rank, x2_rank = x1.dim(), x2.dim()
    if x1_rank == x2_rank + 1 and x1.shape[-1] == 1:
        if x2_rank == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif x2_rank == x1_rank + 1 and x2.shape[-1] == 1:
        if x1_rank == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _align_weights(values, weights, what):
    """Aligns `weights` with `values` for an elementwise product.

    After Keras's squeeze/expand, weights of a lower rank whose shape is a
    prefix of the values' shape (per-sample weights against per-timestep
    losses) get trailing axes, the way Keras 2 broadcast them.
    """
    values, weights = squeeze_or_expand_to_same_rank(values, weights)
    if values.shape == weights.shape:
        return values, weights
    if 0 < weights.dim() < values.dim() and (
        weights.shape == values.shape[: weights.dim()]
    ):
        weights = weights.reshape(
            weights.shape + (1,) * (values.dim() - weights.dim())
        )
    try:
        torch.broadcast_shapes(values.shape, weights.shape)
    except RuntimeError:
        raise ValueError(
            f"Cannot apply the {what} to the losses: their shapes do not "
            f"broadcast. Received: {what}.shape={tuple(weights.shape)} for "
            f"losses of shape {tuple(values.shape)}"
        ) from None
    return values, weights


def _divide_no_nan(x, divisor):
    safe = torch.where(divisor == 0, torch.ones_like(divisor), divisor)
    return torch.where(divisor == 0, torch.zeros_like(x), x / safe)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces (already weighted) loss values."""
    shape = values.shape
    if reduction is None or reduction == "none" or not shape or (
        len(shape) == 1 and shape[0] == 0
    ):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(values.sum(),
                              sample_weight.sum().to(values.dtype))
    # The mean is the sum over the number of values, in one kernel.
    return values.mean() if values.numel() else values.sum()


def apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a boolean mask into the sample weights.

    For mean-style reductions the kept entries are scaled by
    `total / valid`, so that dividing by the number of entries later yields
    the mean over the valid entries only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        # With no valid entry every weight is 0 whatever the scale, so
        # flooring the count at 1 stands in for a no-NaN division.
        valid = torch.clamp_min(mask.to(dtype).sum(), 1)
        mask_weight = mask.numel() / valid
        float_mask = torch.where(mask.bool(), mask_weight,
                                 torch.zeros_like(mask_weight))
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = _align_weights(
        float_mask, sample_weight.to(dtype), "sample_weight"
    )
    return sample_weight * float_mask


def reduce_weighted_values(
    values,
    sample_weight=None,
    mask=None,
    reduction="sum_over_batch_size",
    dtype=None,
):
    """Applies sample weights and a mask to `values`, then reduces them."""
    reduction = standardize_reduction(reduction)
    values = _tensors.convert(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = _tensors.convert(
            sample_weight, dtype=values.dtype, device=values.device
        )
    if mask is not None:
        mask = _tensors.convert(mask, device=values.device)
        sample_weight = apply_mask(sample_weight, mask, values.dtype,
                                   reduction)
    if sample_weight is not None:
        values, sample_weight = _align_weights(
            values, sample_weight, "sample_weight"
        )
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)
