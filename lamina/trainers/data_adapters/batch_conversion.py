"""Turns a batch from user code (NumPy, lists, pandas, tensors) into torch
tensors with Keras's dtype rules (float64 becomes floatx, unless the model
computes in float64: `float_dtype`)."""

import numpy as np
import torch

from lamina import config
from lamina.trainers import argument_checks
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype


def to_torch_batch(batch, float_dtype=None):
    return tree.map_structure(lambda v: _convert(v, float_dtype), batch)


def _convert(value, float_dtype=None):
    if value is None or isinstance(value, (str, bytes)):
        return value
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        if type(value).__module__.startswith("pandas"):
            value = value.to_numpy()
        array = argument_checks.numeric_array(np.asarray(value))
        if array.dtype.kind in "US":
            return array  # strings stay NumPy for the string layers
        tensor = torch.as_tensor(array)
    if tensor.dtype == torch.float64:
        tensor = tensor.to(to_torch_dtype(float_dtype or config.floatx()))
    return tensor


def apply_class_weight(batch, class_weight):
    """Adds class-derived sample weights to an `(x, y[, sw])` batch."""
    from lamina.trainers.data_adapters import data_adapter_utils

    if class_weight is None:
        return batch
    if not isinstance(batch, tuple) or len(batch) < 2:
        raise ValueError(
            "`class_weight` needs batches of the form `(x, y)` or "
            "`(x, y, sample_weight)`."
        )
    x, y = batch[0], batch[1]
    weights = data_adapter_utils.class_weight_to_sample_weights(y, class_weight)
    if len(batch) == 3 and batch[2] is not None:
        weights = weights * torch.as_tensor(batch[2]).to(weights.dtype)
    return (x, y, weights)
