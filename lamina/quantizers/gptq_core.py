"""GPTQ as pure tensor functions, with Keras 3's numerics.

Everything here takes and returns torch tensors and knows nothing of layers:
the running Hessian estimate built from calibration activations, its damping,
the column-by-column quantization with error feedback through the inverse
Hessian (optionally in activation order), on the group-wise scale/zero-point
arithmetic of `zero_point.py`.

Layouts follow Keras: a weight matrix is given transposed, `[out_features,
in_features]`; scales and zero points are `[out_features, n_groups]`; `g_idx`
maps each input feature to its group and is stored as float32, exactly the
value Keras stores (`column / group_size`, read back by truncation).
"""

import torch

from lamina.quantizers.zero_point import compute_quantization_parameters
from lamina.quantizers.zero_point import dequantize_with_zero_point
from lamina.quantizers.zero_point import quantize_with_zero_point


def kernel_rows_columns(kernel_shape):
    """The `(rows, columns)` = `(in_features, out_features)` GPTQ and AWQ
    see in a Dense/EinsumDense kernel: the kernel itself when 2D; for a 3D
    attention kernel, `(in, heads · head_dim)` when its largest axis comes
    first (a query/key/value projection), else `(heads · head_dim, out)`
    (the output projection)."""
    shape = tuple(int(d) for d in kernel_shape)
    if len(shape) == 2:
        return shape
    if len(shape) == 3:
        if shape.index(max(shape)) == 0:
            return shape[0], shape[1] * shape[2]
        return shape[0] * shape[1], shape[2]
    raise ValueError(
        "GPTQ and AWQ quantize 2D and 3D kernels only. Received a kernel of "
        f"shape {shape}.")


def update_hessian(hessian, num_samples, inputs):
    """Folds a batch of activations into the running Hessian `2/N · XᵀX`.

    Args:
        hessian: float32 `[features, features]`, the estimate over the
            `num_samples` rows seen so far.
        num_samples: how many rows that estimate averages.
        inputs: activations whose last axis is the features; any leading
            axes are rows.

    Returns:
        `(hessian, num_samples)` updated with the new rows.
    """
    if inputs is None:
        raise ValueError("update_hessian received no activations (None).")
    if inputs.ndim < 2:
        raise ValueError(
            "update_hessian expects activations of rank >= 2. Received "
            f"shape {tuple(inputs.shape)}."
        )
    if inputs.numel() == 0:
        raise ValueError("update_hessian received empty activations of "
                         f"shape {tuple(inputs.shape)}.")
    x = inputs.reshape(-1, inputs.shape[-1]).float()
    if x.shape[1] != hessian.shape[0]:
        raise ValueError(
            f"Activations have {x.shape[1]} features but the Hessian is "
            f"{hessian.shape[0]}x{hessian.shape[0]}."
        )
    new = x.shape[0]
    total = num_samples + new
    gram = x.T @ x
    gram = (gram + gram.T) / 2.0
    if num_samples > 0:
        hessian = hessian * (num_samples / total)
    hessian = hessian + (2.0 / total) * gram
    return hessian, total


def dampen_hessian(hessian, damping):
    """The Hessian made safely invertible: a zero diagonal entry (a feature
    never active) becomes 1, then `damping · mean(diagonal)` is added to the
    whole diagonal."""
    diagonal = torch.diagonal(hessian)
    dead = diagonal == 0.0
    diagonal = torch.where(dead, torch.ones_like(diagonal), diagonal)
    diagonal = diagonal + damping * diagonal.mean()
    damped = hessian.clone()
    damped.diagonal().copy_(diagonal)
    return damped


def stable_descending_order(metric):
    """The permutation sorting `metric` from largest to smallest; ties keep
    their original order (an index-proportional 1e-12 nudge, then a stable
    sort)."""
    n = metric.shape[0]
    nudge = torch.arange(n, device=metric.device, dtype=torch.float32) / n
    return torch.argsort(-(metric + nudge * 1e-12), stable=True)


def _activation_permutation(inv_hessian, order_metric):
    if order_metric is None:
        order_metric = 1.0 / (torch.diagonal(inv_hessian) + 1e-12)
    else:
        order_metric = order_metric.float()
        order_metric = torch.where(torch.isfinite(order_metric), order_metric,
                                   torch.zeros_like(order_metric))
    perm = stable_descending_order(order_metric)
    return perm, torch.argsort(perm, stable=True)


def gptq_quantize_matrix(weights_transpose, inv_hessian, *, blocksize=128,
                         group_size=-1, activation_order=False,
                         order_metric=None, compute_scale_zero):
    """Quantizes `[out, in]` weights column by column, pushing each column's
    rounding error onto the columns not yet quantized.

    For column `j`, with `Hinv` the inverse Hessian: the error
    `e = (w_j - dequant(quant(w_j))) / Hinv[j, j]` updates the later columns
    of the block, `W[:, k] -= e · Hinv[j, k]`; at the end of a block of
    `blocksize` columns the block's errors update all later columns at once.
    Group parameters come from `compute_scale_zero` applied to the group's
    columns as they stand when its first column is reached (updated by the
    errors of earlier blocks), and hold for the whole group, even when it
    runs into the next block (where Keras 3.15 computes them again and
    then fails on the extra group).

    `gptq_quantize_weights` passes the inverse Hessian itself, as Keras
    3.15 does; the reference GPTQ (Frantar et al.) passes the upper
    Cholesky factor of the inverse, which makes each column's update the
    exact optimal-brain-quantization step and lowers the output error.

    Args:
        weights_transpose: float `[out_features, in_features]`.
        inv_hessian: float `[in_features, in_features]`.
        blocksize: columns per block of lazy error propagation.
        group_size: input columns sharing a scale/zero; -1 for one group.
        activation_order: quantize the columns in decreasing
            `order_metric` (default `1 / diag(inv_hessian)`) and map the
            results back to the original order.
        order_metric: `[in_features]` importance of each column.
        compute_scale_zero: `f(columns) -> (scale, zero, maxq)`.

    Returns:
        `(quantized, scale, zero, g_idx)`: int32 levels `[out, in]` in the
        original column order, the group scales and zeros concatenated in
        the order the groups were quantized, and float32 `g_idx` `[in]`.
    """
    weights = weights_transpose.float().clone()
    inv_hessian = inv_hessian.float()
    in_features = weights.shape[1]
    if activation_order:
        perm, inv_perm = _activation_permutation(inv_hessian, order_metric)
        weights = weights.index_select(1, perm)
        inv_hessian = inv_hessian.index_select(0, perm).index_select(1, perm)
    quantized = torch.zeros(weights.shape, dtype=torch.int32,
                            device=weights.device)
    group = in_features if group_size == -1 else group_size
    scales, zeros = [], []
    params, params_start = None, -1
    for start in range(0, in_features, blocksize):
        end = min(start + blocksize, in_features)
        block = weights[:, start:end].clone()
        block_error = torch.zeros_like(block)
        block_inv = inv_hessian[start:end, start:end]
        for j in range(end - start):
            column_index = start + j
            group_start = (column_index // group) * group
            if group_start != params_start:
                columns = weights[:, group_start:min(group_start + group,
                                                     in_features)]
                params = compute_scale_zero(columns)
                scales.append(params[0])
                zeros.append(params[1])
                params_start = group_start
            scale, zero, maxq = params
            column = block[:, j]
            q = quantize_with_zero_point(column[:, None], scale, zero, maxq)
            quantized[:, column_index] = q[:, 0].to(torch.int32)
            dequantized = dequantize_with_zero_point(q, scale, zero)[:, 0]
            error = (column - dequantized) / block_inv[j, j]
            block_error[:, j] = error
            if j < end - start - 1:
                block[:, j + 1:] -= error[:, None] @ block_inv[j, j + 1:][None]
        if end < in_features:
            weights[:, end:] -= block_error @ inv_hessian[start:end, end:]
    g_idx = torch.arange(in_features, device=weights.device,
                         dtype=torch.int32) / group
    g_idx = g_idx.float()
    if activation_order:
        g_idx = g_idx.index_select(0, inv_perm)
        quantized = quantized.index_select(1, inv_perm)
    return quantized, torch.cat(scales, dim=1), torch.cat(zeros, dim=1), g_idx


def gptq_quantize_weights(kernel, hessian, *, weight_bits=4, group_size=128,
                          symmetric=False, per_channel=True,
                          activation_order=False, hessian_damping=0.01,
                          blocksize=128):
    """GPTQ for one kernel `[in_features, out_features]` given the Hessian of
    its inputs: damping, inversion, then `gptq_quantize_matrix` with
    `compute_quantization_parameters` per group (activation order ranks the
    columns by the damped Hessian's diagonal).

    Returns `(quantized, scale, zero, g_idx)` with `quantized` uint8
    `[out_features, in_features]` (unpacked).
    """
    damped = dampen_hessian(hessian.float(), hessian_damping)
    inverse = torch.linalg.inv(damped)

    def scale_zero(columns):
        return compute_quantization_parameters(
            columns, bits=weight_bits, symmetric=symmetric,
            per_channel=per_channel, group_size=group_size)

    quantized, scale, zero, g_idx = gptq_quantize_matrix(
        kernel.float().T, inverse, blocksize=blocksize, group_size=group_size,
        activation_order=activation_order,
        order_metric=torch.diagonal(damped), compute_scale_zero=scale_zero)
    return quantized.to(torch.uint8), scale, zero, g_idx
