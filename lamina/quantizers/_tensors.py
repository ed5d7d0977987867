"""Turning the arrays quantizers receive into torch tensors."""

import numpy as np
import torch

from lamina.utils.dtypes import standardize_dtype


def as_tensor(x, dtype=None):
    """`x` (tensor, NumPy array, number) as a torch tensor; float64 NumPy
    data stays float64, Python floats become float32, as Keras's
    `convert_to_tensor` does."""
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    if isinstance(x, (float, int)) and not isinstance(x, bool) and \
            dtype is None:
        dtype = torch.float32 if isinstance(x, float) else torch.int32
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def dtype_name(x):
    return standardize_dtype(x.dtype)
