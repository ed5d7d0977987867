"""Tensor plumbing shared by the losses: conversion, devices, shape checks."""

import numpy as np
import torch

from lamina import config
from lamina.utils import dtypes


def convert(x, dtype=None, device=None):
    """Returns `x` as a torch tensor, cast to `dtype` and moved to `device`.

    Tensors are returned as they are when nothing has to change, so callers
    keep attributes such as `_keras_mask` and pay no copy.
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        dtype = dtypes.to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        if (dtype is not None and x.dtype != dtype) or (
            device is not None and x.device != device
        ):
            x = x.to(device=device, dtype=dtype)
        return x
    if device is None:
        device = config.default_device()
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        x = np.array(x)
    return torch.as_tensor(x, dtype=dtype, device=device)


def convert_pair(y_true, y_pred, cast_y_true=True):
    """Converts `y_pred`, then `y_true` onto its device (and dtype)."""
    y_pred = convert(y_pred)
    dtype = y_pred.dtype if cast_y_true else None
    return convert(y_true, dtype=dtype, device=y_pred.device), y_pred


def check_broadcastable(y_true, y_pred, fn_name):
    """Raises a ValueError naming both shapes when they cannot broadcast."""
    if y_true.shape == y_pred.shape:
        return
    try:
        torch.broadcast_shapes(y_true.shape, y_pred.shape)
    except RuntimeError:
        raise ValueError(
            f"In `{fn_name}`, `y_true` and `y_pred` have incompatible shapes: "
            "they must be equal or broadcastable. Received: "
            f"y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        ) from None


def check_same_shape(y_true, y_pred, fn_name):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"In `{fn_name}`, `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )


def check_axis(axis):
    # `True` is an int to Python; Keras refuses it explicitly.
    if isinstance(axis, bool):
        raise ValueError(
            "Invalid value for argument `axis`. Expected an int. "
            f"Received: axis={axis} of type {type(axis)}"
        )


def get_mask(x):
    """The `_keras_mask` a layer attached to `x`, or None."""
    return getattr(x, "_keras_mask", None)


def set_mask(x, mask):
    x._keras_mask = mask
    return x
