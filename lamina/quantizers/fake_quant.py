"""`fake_quant_with_min_max_vars`: quantize to `num_bits` and back inside
a (nudged) `[min, max]` range, with TensorFlow's gradients (straight
through inside the range; what falls outside flows to `min`/`max`)."""

import torch

from lamina.graph import symbolic_aware
from lamina.quantizers._tensors import as_tensor


def _nudge(min_range, max_range, num_bits, narrow_range):
    dtype = torch.promote_types(min_range.dtype, torch.float32)
    min_range, max_range = min_range.to(dtype), max_range.to(dtype)
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    spread = max_range - min_range
    scale = spread / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / spread
    zero = torch.clamp(quant_min - min_range / scale, quant_min, quant_max)
    zero = torch.round(zero)
    return ((quant_min - zero) * scale, (quant_max - zero) * scale, scale,
            inv_scale)


class _FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_val, max_val, num_bits, narrow_range, axis):
        low, high, scale, inv_scale = _nudge(min_val, max_val, num_bits,
                                             narrow_range)
        quant_zero = torch.floor(-low * inv_scale + 0.5)
        clamped = torch.clamp(x.to(low.dtype), low, high)
        result = torch.floor((clamped - low) * inv_scale - quant_zero + 0.5)
        ctx.save_for_backward(x, low, high)
        ctx.axis = axis
        ctx.shapes = (min_val.shape, max_val.shape)
        return (result * scale).to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, low, high = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        dx = torch.where((x >= low) & (x <= high), upstream, zero)
        below = torch.where(x <= low, upstream, zero)
        above = torch.where(x >= high, upstream, zero)
        if ctx.axis is None:
            below, above = below.sum(), above.sum()
        else:
            dims = [d for d in range(x.dim()) if d != ctx.axis]
            below, above = below.sum(dim=dims), above.sum(dim=dims)
        min_shape, max_shape = ctx.shapes
        return (dx, below.reshape(min_shape), above.reshape(max_shape),
                None, None, None)


@symbolic_aware("fake_quant_with_min_max_vars")
def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8,
                                 narrow_range=False, axis=None):
    """Fake-quantizes `inputs` per tensor (`axis=None`) or per channel.

    Args:
        inputs: float tensor.
        min_vals, max_vals: the range, scalars or one value per channel.
        num_bits: quantization bit width.
        narrow_range: quantize to `[1, 2**num_bits - 1]` instead of
            `[0, 2**num_bits - 1]`.
        axis: the channel axis for per-channel ranges, or None.

    Returns:
        A tensor like `inputs`, differentiable in `inputs`, `min_vals` and
        `max_vals`.
    """
    x = as_tensor(inputs)
    min_vals = as_tensor(min_vals).to(x.device)
    max_vals = as_tensor(max_vals).to(x.device)
    if axis is not None:
        axis = axis % x.dim()
        # One value per channel, laid along `axis`.
        shape = [-1 if d == axis else 1 for d in range(x.dim())]
        if min_vals.dim() == 1:
            min_vals = min_vals.reshape(shape)
        if max_vals.dim() == 1:
            max_vals = max_vals.reshape(shape)
    return _FakeQuant.apply(x, min_vals, max_vals, int(num_bits),
                            narrow_range, axis)
