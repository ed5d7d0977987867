"""Float8 scaling (delayed scaling with an amax history, as NVIDIA's
Transformer Engine) and quantize-dequantize through a float8 dtype."""

import torch

from lamina.quantizers._tensors import as_tensor
from lamina.utils.dtypes import to_torch_dtype

FLOAT8_DTYPES = {"float8_e4m3fn": torch.float8_e4m3fn,
                 "float8_e5m2": torch.float8_e5m2}


def float8_dtype(name):
    """The torch dtype of a float8 dtype name."""
    if isinstance(name, torch.dtype) and name in FLOAT8_DTYPES.values():
        return name
    if name not in FLOAT8_DTYPES:
        raise ValueError(
            f"Invalid float8 dtype. Expected one of {sorted(FLOAT8_DTYPES)}. "
            f"Received: {name!r}")
    return FLOAT8_DTYPES[name]


def float8_max(name):
    """The largest finite value of a float8 dtype (448 for e4m3fn, 57344
    for e5m2)."""
    return float(torch.finfo(float8_dtype(name)).max)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next scale from the history's maximum `amax`: `amax / (dtype_max
    / 2**margin)`, keeping `scale` when `amax` is zero or not finite."""
    amax, scale = as_tensor(amax), as_tensor(scale)
    dtype_max = as_tensor(dtype_max, dtype=amax.dtype)
    previous = torch.reciprocal(scale)
    factor = dtype_max / amax / (2 ** margin)
    factor = torch.where(amax > 0.0, factor, previous)
    factor = torch.where(torch.isfinite(amax), factor, previous)
    return torch.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """The history rolled by one with `max|x|` written first."""
    x, amax_history = as_tensor(x), as_tensor(amax_history)
    amax = torch.amax(torch.abs(x)).to(amax_history.dtype)
    rolled = torch.roll(amax_history, shifts=-1)
    return torch.cat([amax.reshape(1), rolled[1:]])


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """`inputs / scale`, clipped to the float8 range and rounded to
    `quantized_dtype`, then multiplied back by `scale`, in
    `compute_dtype`."""
    compute = to_torch_dtype(compute_dtype)
    inputs, scale = as_tensor(inputs), as_tensor(scale).to(compute)
    limit = float8_max(quantized_dtype)
    x = torch.clamp(inputs / scale, -limit, limit)
    x = x.to(float8_dtype(quantized_dtype))
    return x.to(compute) * scale
