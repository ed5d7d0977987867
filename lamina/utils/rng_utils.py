"""`set_random_seed`: one seed for Python's `random`, NumPy and torch."""

import random as python_random

import numpy as np
import torch


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy and torch (all devices) at once."""
    if not isinstance(seed, int):
        raise ValueError(
            f"Expected `seed` to be an integer. Received: seed={seed!r}"
        )
    python_random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
