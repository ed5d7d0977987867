"""Array helpers for labels and features: `to_categorical`, `normalize`.

Both accept NumPy arrays (returning NumPy arrays) and torch tensors
(returning tensors on the same device); the math runs in torch either way.
"""

import numbers

import numpy as np
import torch

from lamina import config


def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a one-hot class matrix.

    A trailing axis of size 1 is dropped first, so labels of shape `(n, 1)`
    give `(n, num_classes)`, as Keras does.

    Args:
        x: Array-like (or tensor) of class indices in `[0, num_classes)`.
            Floats are truncated toward zero.
        num_classes: Total number of classes. If `None` (or 0), inferred as
            `max(x) + 1`.

    Returns:
        The one-hot matrix, class axis last: a float64 NumPy array (as
        Keras returns), or a float32 torch tensor when `x` is a tensor.

    Example:

    >>> keras.utils.to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    if isinstance(x, torch.Tensor):
        return _one_hot(x, num_classes, torch.float32)
    labels = torch.from_numpy(np.array(x, dtype="int64"))
    return _one_hot(labels, num_classes, torch.float64).numpy()


def _one_hot(labels, num_classes, dtype):
    if num_classes is not None and (
        not isinstance(num_classes, numbers.Integral) or num_classes < 0
    ):
        raise ValueError(
            "Invalid value for argument `num_classes`. Expected a positive "
            f"integer or None. Received: num_classes={num_classes!r}"
        )
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    labels = labels.long()  # truncates floats toward zero, as NumPy's cast
    if labels.numel() == 0:
        if not num_classes:
            raise ValueError(
                "Cannot infer `num_classes` from an empty `x`. Pass "
                f"`num_classes`. Received: x with shape {tuple(labels.shape)}"
            )
    else:
        # One host sync: the range check needs the extremes anyway.
        low, high = torch.stack(torch.aminmax(labels)).tolist()
        if not num_classes:
            num_classes = high + 1
        if low < 0 or high >= num_classes:
            raise ValueError(
                "Invalid value for argument `x`. Expected class indices in "
                f"[0, {num_classes}) (num_classes={num_classes}). Received: "
                f"values in [{low}, {high}]"
            )
    out = torch.zeros(
        (*labels.shape, int(num_classes)),
        dtype=dtype,
        device=labels.device,
    )
    return out.scatter_(-1, labels.unsqueeze(-1), 1.0)


def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit norm along an axis.

    Args:
        x: Array to normalize: a NumPy array (a normalized NumPy copy is
            returned; integer input gives float64) or a tensor / array-like
            (a tensor is returned).
        axis: Axis along which to normalize, or `None` for all elements.
        order: Order of the norm (e.g. `order=2` for the L2 norm). NumPy
            input accepts any vector-norm order (including `np.inf`); tensor
            input, as in Keras, an integer >= 1.

    Returns:
        A normalized copy of `x`. Slices with zero norm are left at zero.

    Example:

    >>> keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if axis is not None and not isinstance(axis, numbers.Integral):
        raise ValueError(
            "Invalid value for argument `axis`. Expected an integer or None. "
            f"Received: axis={axis!r}"
        )
    if isinstance(x, np.ndarray):
        return _normalize_array(x, axis, order)
    return _normalize_tensor(x, axis, order)


def _normalize_array(x, axis, order):
    if not isinstance(order, numbers.Real):
        raise ValueError(
            "Invalid value for argument `order`. Expected a number (the "
            f"vector norm order). Received: order={order!r}"
        )
    if not x.flags.writeable:
        x = x.copy()  # torch warns on read-only buffers
    values = torch.from_numpy(x)
    if not values.is_floating_point():
        values = values.to(torch.float64)
    norm = torch.linalg.vector_norm(values, ord=order, dim=axis, keepdim=True)
    # Zero-norm slices are divided by 1, i.e. kept at zero.
    norm = torch.where(norm == 0, torch.ones_like(norm), norm)
    return (values / norm).numpy()


def _normalize_tensor(x, axis, order):
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) \
            or order < 1:
        raise ValueError(
            f"Argument `order` must be an int >= 1. Received: order={order}"
        )
    values = torch.as_tensor(x)
    if not values.is_floating_point():
        values = values.to(torch.float32)
    if values.ndim == 0:
        values = values.unsqueeze(0)
    epsilon = config.epsilon()
    if order == 2:
        # Same formula as keras.ops.normalize: x * min(rsqrt(sum x^2), 1/eps).
        square_sum = values.square().sum(dim=axis, keepdim=True)
        inv_norm = torch.clamp(torch.rsqrt(square_sum), max=1.0 / epsilon)
        return values * inv_norm
    norm = torch.linalg.vector_norm(values, ord=order, dim=axis, keepdim=True)
    return values / torch.clamp(norm, min=epsilon)
