"""Scale and zero point of asymmetric (or symmetric) quantization, per
tensor, per channel or per group, and (de)quantization with them."""

import torch

from lamina.quantizers._tensors import as_tensor
from lamina.utils.dtypes import to_torch_dtype


def compute_quantization_parameters(x, *, bits, symmetric=False,
                                    per_channel=False, group_size=-1,
                                    compute_dtype="float32", epsilon=0.0,
                                    signed=False):
    """Scale and zero point quantizing a weight `x` of shape
    `(out_features, in_features)` to `bits` bits.

    Returns:
        `(scale, zero, maxq)`: `scale` and `zero` (int8 when `signed`, else
        uint8) have shape `(out_features, n_groups)` for grouped
        quantization, else `(out_features, 1)`; `maxq = 2**bits - 1`.
    """
    if x is None:
        raise ValueError(f"Input tensor {x} cannot be None.")
    x = as_tensor(x)
    if x.dim() < 2:
        raise ValueError(
            f"Input weight tensor {x} must have a rank of at least 2, but "
            f"got rank {x.dim()}.")
    if x.numel() == 0:
        raise ValueError("Input tensor 'x' cannot be empty.")
    out_features, in_features = x.shape[0], x.shape[1]
    groups = -(-in_features // group_size) \
        if per_channel and group_size > 0 else 1
    if groups > 1:
        pad = groups * group_size - in_features
        grouped = torch.nn.functional.pad(x, (0, pad)).reshape(
            out_features, groups, group_size)
        low, high = grouped.amin(dim=2), grouped.amax(dim=2)
    else:
        flat = x.reshape(out_features if per_channel else 1, -1)
        low, high = flat.amin(dim=1), flat.amax(dim=1)
    if symmetric:
        high = torch.maximum(low.abs(), high)
        low = torch.where(low < 0, -high, low)
    same = low == high
    low = torch.where(same, low - 1, low)
    high = torch.where(same, high + 1, high)
    dtype = to_torch_dtype(compute_dtype)
    maxq = torch.tensor(2.0 ** bits - 1, dtype=dtype)
    spread = high - low
    if epsilon > 0:
        spread = spread + epsilon
    scale = spread / maxq
    scale = torch.where(scale <= 0, torch.full_like(scale, 1e-8), scale)
    if signed:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        if symmetric:
            zero = torch.full_like(scale, (maxq.item() + 1) / 2 + qmin)
        else:
            zero = torch.round(-low / scale) + qmin
        zero = torch.clamp(zero, qmin, qmax)
    elif symmetric:
        zero = torch.full_like(scale, (maxq.item() + 1) / 2)
    else:
        zero = torch.round(-low / scale)
    if groups == 1:
        if per_channel:
            scale, zero = scale.reshape(-1, 1), zero.reshape(-1, 1)
        else:
            scale = scale.reshape(1, 1).repeat(out_features, 1)
            zero = zero.reshape(1, 1).repeat(out_features, 1)
    zero = zero.to(torch.int8 if signed else torch.uint8)
    return scale, zero, maxq


def quantize_with_zero_point(input_tensor, scale, zero, maxq):
    """`clip(round(x / scale + zero), 0, maxq)`, in the scale's dtype."""
    safe = torch.where(scale == 0, torch.full_like(scale, 1e-8), scale)
    q = torch.round(input_tensor / safe + zero.to(scale.dtype))
    return torch.clamp(q, 0, maxq)


def dequantize_with_zero_point(input_tensor, scale, zero):
    return scale * (input_tensor - zero.to(scale.dtype))


def quantize_with_sz_map(weights_matrix, scale, zero, g_idx, maxq,
                         group_axis=-1):
    """Quantizes with per-group parameters picked by `g_idx` (the group of
    each position along the grouped axis)."""
    groups = as_tensor(g_idx).to(torch.int64)
    return quantize_with_zero_point(
        weights_matrix, torch.index_select(scale, group_axis, groups),
        torch.index_select(zero, group_axis, groups), maxq)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx,
                           group_axis=-1):
    """`(q - zero[g_idx]) * scale[g_idx]`, groups along `group_axis`."""
    groups = as_tensor(g_idx).to(torch.int64)
    scales = torch.index_select(scale, group_axis, groups)
    zeros = torch.index_select(zero, group_axis, groups).to(scales.dtype)
    return (weights_matrix - zeros) * scales
