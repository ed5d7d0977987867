"""Core ops: conversion, casting, shapes, and indexing."""

import builtins

import numpy as np
import torch

from lamina import config
from lamina.graph.symbolic import KerasTensor
from lamina.ops import _dtypes
from lamina.graph.symbolic import symbolic_aware
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A torch tensor on the default device; floats default to floatx."""
    if ragged:
        raise ValueError("convert_to_tensor: torch has no ragged tensors "
                         "(Keras's torch backend raises too). Pad the "
                         "values to a common length instead.")
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    torch_dtype = to_torch_dtype(dtype) if dtype is not None else None
    if isinstance(x, torch.Tensor):
        return x if torch_dtype is None else x.to(torch_dtype)
    array = np.asarray(x)
    if torch_dtype is None and not isinstance(x, (np.ndarray, np.generic)):
        # Python numbers and lists: floats are floatx, ints int32 (int64
        # only when a value needs it), as Keras converts them.
        if array.dtype == np.float64:
            torch_dtype = to_torch_dtype(config.floatx())
        elif array.dtype == np.int64 and _fits_int32(array):
            torch_dtype = torch.int32
    if builtins.any(stride < 0 for stride in array.strides):
        array = np.ascontiguousarray(array)  # torch takes no negative strides
    tensor = torch.as_tensor(array, device=config.default_device())
    return tensor if torch_dtype is None else tensor.to(torch_dtype)


def _fits_int32(array):
    info = np.iinfo(np.int32)
    return array.size == 0 or (info.min <= array.min() and
                               array.max() <= info.max)


def convert_to_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype == torch.bfloat16:
            x = x.float()
        # A copy, as Keras's: on CPU `.numpy()` would share the tensor's
        # memory, so a snapshot of a weight would follow its updates.
        return np.array(x.numpy(), copy=True)
    return np.asarray(x)


def _tensor(x):
    return x if isinstance(x, torch.Tensor) else convert_to_tensor(x)


@symbolic_aware("cast")
@_dtypes.explain_dtype_errors("cast")
def cast(x, dtype):
    return _tensor(x).to(to_torch_dtype(dtype))


def shape(x):
    """Static shape of a KerasTensor, or the shape tuple of a tensor."""
    return tuple(x.shape)


def dtype(x):
    return standardize_dtype(x.dtype)


def is_tensor(x):
    return isinstance(x, torch.Tensor)


@symbolic_aware("get_item")
@_dtypes.explain_dtype_errors("get_item")
def get_item(x, key):
    return x[key]


@symbolic_aware("stop_gradient")
@_dtypes.explain_dtype_errors("stop_gradient")
def stop_gradient(variable):
    return _tensor(variable).detach()


def _index(start_indices, sizes):
    return tuple(builtins.slice(int(s), int(s) + int(n))
                 for s, n in zip(start_indices, sizes))


@symbolic_aware("slice")
@_dtypes.explain_dtype_errors("slice")
def slice(inputs, start_indices, shape):  # noqa: A001 (Keras's name)
    return _tensor(inputs)[_index(start_indices, shape)]


@symbolic_aware("slice_update")
@_dtypes.explain_dtype_errors("slice_update")
def slice_update(inputs, start_indices, updates):
    out = _tensor(inputs).clone()
    updates = _tensor(updates)
    out[_index(start_indices, updates.shape)] = updates
    return out
