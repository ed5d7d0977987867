"""Input conversion shared by the activation functions."""

import numpy as np
import torch

_CONVERTIBLE = (np.ndarray, np.generic, list, tuple, int, float, bool)


def to_tensor(x):
    """Turns NumPy arrays and Python numbers into tensors.

    Torch tensors and tensor-like objects (which dispatch torch functions
    themselves) pass through untouched.
    """
    if isinstance(x, _CONVERTIBLE):
        return torch.as_tensor(x)
    return x
