"""Dtype names as Keras writes them ("float32") and their torch dtypes."""

import numpy as np
import torch

_TORCH_BY_NAME = {
    "float16": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "uint8": torch.uint8, "uint16": torch.uint16,
    "uint32": torch.uint32, "uint64": torch.uint64, "bool": torch.bool,
    "complex64": torch.complex64, "complex128": torch.complex128,
}
_NAME_BY_TORCH = {v: k for k, v in _TORCH_BY_NAME.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16",
            "int": "int64"}


def standardize_dtype(dtype):
    """Returns the Keras name of any dtype spelling (str, numpy, torch)."""
    if dtype is None:
        from lamina import config

        return config.floatx()
    if isinstance(dtype, torch.dtype):
        return _NAME_BY_TORCH[dtype]
    if hasattr(dtype, "name") and isinstance(getattr(dtype, "name"), str) \
            and not isinstance(dtype, str):
        dtype = dtype.name
    if isinstance(dtype, type) and issubclass(dtype, np.generic):
        dtype = np.dtype(dtype).name
    if isinstance(dtype, np.dtype):
        dtype = dtype.name
    name = _ALIASES.get(str(dtype), str(dtype))
    if name.startswith("torch."):
        name = name[len("torch."):]
    if name not in _TORCH_BY_NAME:
        raise ValueError(
            f"Invalid dtype: {dtype!r}. Expected one of "
            f"{sorted(_TORCH_BY_NAME)}."
        )
    return name


def to_torch_dtype(dtype):
    return _TORCH_BY_NAME[standardize_dtype(dtype)]


def is_float(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))
