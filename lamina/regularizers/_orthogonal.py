"""OrthogonalRegularizer: pushes rows (or columns) towards orthogonality."""

import torch

from lamina import config
from lamina.regularizers._registry import REGISTRY
from lamina.regularizers._regularizer import Regularizer
from lamina.regularizers._regularizer import as_float32
from lamina.regularizers._regularizer import to_tensor
from lamina.regularizers._regularizer import validate_float_arg

_MODES = ("rows", "columns")


@REGISTRY.register("orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Penalizes the overlap between the rows (or columns) of a 2D weight.

    The vectors are L2-normalized; the penalty is
    `factor * 0.5 * mean(|<v_i, v_j>|)` over all pairs `i != j`, so it is 0
    when they are orthogonal.

    Args:
        factor: Non-negative strength. Defaults to 0.01.
        mode: `"rows"` or `"columns"`: which vectors should be orthogonal.

    Example:

    >>> OrthogonalRegularizer(factor=0.5)(torch.eye(3))
    tensor(0.)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = as_float32(validate_float_arg(factor, "factor"))
        if mode not in _MODES:
            raise ValueError(
                f"Invalid value for argument `mode`. Expected one of "
                f"{_MODES}. Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, inputs):
        inputs = to_tensor(inputs)
        if inputs.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: inputs.shape={tuple(inputs.shape)}"
            )
        if self.mode == "columns":
            inputs = inputs.T
        # Row-wise L2 normalization, with the inverse norm capped at
        # 1 / epsilon so zero rows stay zero.
        inv_norm = torch.rsqrt(torch.sum(inputs * inputs, 1, keepdim=True))
        inputs = inputs * torch.clamp(inv_norm, max=1.0 / config.epsilon())
        product = inputs @ inputs.T
        size = inputs.shape[0]
        off_diagonal = product * (1.0 - torch.eye(
            size, dtype=inputs.dtype, device=inputs.device
        ))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) \
            / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}
