"""Tensor helpers shared by the metric families (private)."""

import functools

import numpy as np
import torch

from lamina import config
from lamina.utils.dtypes import to_torch_dtype


def to_tensor(x, dtype=None, device=None):
    """Converts `x` to a torch tensor on `device`, optionally cast to `dtype`.

    NumPy arrays keep their dtype (as Keras's `convert_to_tensor`); Python
    floats and lists of floats become `floatx()`.
    """
    torch_dtype = torch_dtype_of(dtype) if dtype is not None else None
    if isinstance(x, torch.Tensor):
        if device is not None and x.device != device:
            x = x.to(device)
        if torch_dtype is not None and x.dtype != torch_dtype:
            x = x.to(torch_dtype)
        return x
    from_numpy = isinstance(x, (np.ndarray, np.generic))
    array = np.asarray(x)
    if array.dtype == np.uint32:
        array = array.astype(np.int64)
    if torch_dtype is None and not from_numpy:
        if array.dtype == np.float64:
            torch_dtype = to_torch_dtype(config.floatx())
        elif array.dtype == np.int64 and array.ndim == 0:
            torch_dtype = torch.int32
    tensor = torch.as_tensor(array, device=device)
    if torch_dtype is not None and tensor.dtype != torch_dtype:
        tensor = tensor.to(torch_dtype)
    return tensor


@functools.lru_cache(maxsize=None)
def _cached_torch_dtype(dtype):
    return to_torch_dtype(dtype)


def torch_dtype_of(dtype):
    """The torch dtype for a Keras dtype name or torch dtype (cached)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    return _cached_torch_dtype(dtype)


def canonical_device(device):
    """`device` as a `torch.device`, with the current index for bare "cuda"
    (so it compares equal to the device of tensors placed there)."""
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def first_tensor_device(args, kwargs):
    """Where the call's tensors live: the first accelerator device among
    them (predictions usually), else the CPU; None without tensors."""
    found = None
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            if value.device.type != "cpu":
                return value.device
            found = value.device
    return found


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Matches ranks that differ by a trailing dimension of size 1."""
    rank1, rank2 = x1.dim(), x2.dim()
    if rank1 == rank2:
        return x1, x2
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    if rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _broadcastable(shape1, shape2):
    if shape1 == shape2:
        return True
    for a, b in zip(reversed(shape1), reversed(shape2)):
        if a != b and a != 1 and b != 1:
            return False
    return True


def check_broadcastable(y_true, y_pred, owner):
    """Raises a clear error when `y_true` and `y_pred` cannot be compared."""
    if not _broadcastable(y_true.shape, y_pred.shape):
        raise ValueError(
            f"{owner}: `y_true` and `y_pred` must have compatible shapes. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )


def check_same_shape(y_true, y_pred, owner):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{owner}: `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )


def divide_no_nan(numerator, denominator):
    """`numerator / denominator`, with 0 wherever the denominator is 0."""
    safe = torch.where(denominator == 0, torch.ones_like(denominator),
                       denominator)
    return torch.where(denominator == 0, torch.zeros_like(numerator),
                       numerator / safe)


def get_mask(x):
    """The Keras mask attached to a tensor by a masking layer, if any."""
    return getattr(x, "_keras_mask", None)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a Keras mask into `sample_weight` (as Keras's losses do)."""
    if mask is None:
        return sample_weight
    torch_dtype = torch_dtype_of(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        # Where no entry is valid, `where` never selects the inf weight.
        weight = float(mask.numel()) / mask.to(torch_dtype).sum()
        float_mask = torch.where(mask.bool(), weight, 0.0).to(torch_dtype)
    else:
        float_mask = mask.to(torch_dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = to_tensor(sample_weight, torch_dtype, float_mask.device)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight)
    return sample_weight * float_mask


def to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]
