"""AWQ (activation-aware weight quantization) as pure tensor functions,
with Keras 3's numerics.

AWQ keeps the largest input activations accurate by stretching the weight
columns they multiply before rounding: with per-input-channel scales `s`,
the kernel is quantized as `W · s` and read back as `dequant(W · s) / s`.
The scales are `x_max ** ratio` (normalised by the geometric mean of their
extremes), with the ratio chosen on a grid in [0, 1] to minimise the
activation-weighted reconstruction error `mean((W - Ŵ)² · x_max²)`.
The grid is 4-bit asymmetric, as Keras's AWQ is.

Layouts follow Keras: weights are given transposed, `[out_features,
in_features]`; `activation_magnitudes`, AWQ scales and `g_idx` are
`[in_features]`.
"""

import torch

from lamina.quantizers.zero_point import compute_quantization_parameters
from lamina.quantizers.zero_point import dequantize_with_sz_map
from lamina.quantizers.zero_point import dequantize_with_zero_point
from lamina.quantizers.zero_point import quantize_with_sz_map
from lamina.quantizers.zero_point import quantize_with_zero_point

AWQ_BITS = 4


def update_activation_magnitudes(magnitudes, inputs):
    """The running per-channel maximum of `|inputs|` (last axis = channels)."""
    if inputs is None:
        raise ValueError("update_activation_magnitudes received no "
                         "activations (None).")
    if inputs.numel() == 0:
        raise ValueError("update_activation_magnitudes received empty "
                         f"activations of shape {tuple(inputs.shape)}.")
    x = inputs.reshape(-1, inputs.shape[-1]).float()
    if x.shape[1] != magnitudes.shape[0]:
        raise ValueError(
            f"Activations have {x.shape[1]} channels but the magnitudes "
            f"being accumulated have {magnitudes.shape[0]}."
        )
    return torch.maximum(magnitudes, x.abs().amax(dim=0))


def _group_index(in_features, group_size, device):
    return torch.div(torch.arange(in_features, device=device), group_size,
                     rounding_mode="floor").to(torch.int32)


def _quantize_grid(weights, group_size):
    """`(quantized, scale, zero, g_idx)` of 4-bit asymmetric quantization of
    `[out, in]` weights, whole rows (`group_size=-1`) or groups of columns."""
    scale, zero, maxq = compute_quantization_parameters(
        weights, bits=AWQ_BITS, symmetric=False, per_channel=True,
        group_size=group_size)
    if group_size == -1:
        quantized = quantize_with_zero_point(weights, scale, zero, maxq)
        return quantized, scale, zero, None
    g_idx = _group_index(weights.shape[1], group_size, weights.device)
    quantized = quantize_with_sz_map(weights, scale, zero, g_idx, maxq)
    return quantized, scale, zero, g_idx


def awq_search_optimal_scales(weights, activation_magnitudes, *,
                              num_grid_points=20, group_size=-1):
    """The per-input-channel AWQ scales `[in_features]` that minimise the
    activation-weighted reconstruction error over `num_grid_points + 1`
    evenly spaced ratios in [0, 1] (the first best one wins ties)."""
    weights = weights.float()
    x_max = activation_magnitudes.float()
    x_max = torch.where(x_max < 1e-8, torch.ones_like(x_max), x_max)
    importance = x_max.square()
    best_loss, best_scales = None, torch.ones_like(x_max)
    for step in range(num_grid_points + 1):
        ratio = step / num_grid_points
        # The exponent as a float32 tensor: a Python float exponent rounds
        # differently in the last place.
        scales = torch.ones_like(x_max) if ratio == 0 else x_max.pow(
            torch.tensor(ratio, dtype=torch.float32, device=x_max.device))
        scales = torch.clamp(scales, min=1e-4)
        spread = torch.sqrt(scales.max() * scales.min()).clamp(min=1e-8)
        scales = scales / spread
        scaled = weights * scales
        quantized, scale, zero, g_idx = _quantize_grid(scaled, group_size)
        if g_idx is None:
            dequantized = dequantize_with_zero_point(quantized, scale, zero)
        else:
            dequantized = dequantize_with_sz_map(quantized, scale, zero,
                                                    g_idx)
        error = (weights - dequantized / scales).square()
        loss = (error * importance).mean()
        if best_loss is None or loss < best_loss:
            best_loss, best_scales = loss, scales
    return best_scales


def awq_quantize_matrix(weights_transpose, activation_magnitudes, *,
                        num_grid_points=20, group_size=-1):
    """AWQ for `[out, in]` weights: search the scales, then quantize the
    scaled weights on the 4-bit grid.

    Returns:
        `(quantized, scale, zero, awq_scales, g_idx)`: float levels
        `[out, in]` in `[0, 15]`, float32 scales and uint8 zero points
        `[out, n_groups]`, float32 AWQ scales `[in]` and float32 group
        indices `[in]` (all zero for `group_size=-1`).
    """
    awq_scales = awq_search_optimal_scales(
        weights_transpose, activation_magnitudes,
        num_grid_points=num_grid_points, group_size=group_size)
    scaled = weights_transpose.float() * awq_scales
    quantized, scale, zero, g_idx = _quantize_grid(scaled, group_size)
    if g_idx is None:
        g_idx = torch.zeros(scaled.shape[1], dtype=torch.float32,
                            device=scaled.device)
    return quantized, scale, zero, awq_scales, g_idx.float()


def awq_quantize_weights(kernel, activation_magnitudes, *, group_size=128,
                         num_grid_points=20):
    """AWQ for one kernel `[in_features, out_features]`.

    Returns `(quantized, scale, zero, awq_scales, g_idx)` with `quantized`
    uint8 `[out_features, in_features]` (unpacked).
    """
    quantized, scale, zero, awq_scales, g_idx = awq_quantize_matrix(
        kernel.float().T, activation_magnitudes,
        num_grid_points=num_grid_points, group_size=group_size)
    return quantized.to(torch.uint8), scale, zero, awq_scales, g_idx
