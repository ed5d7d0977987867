"""Packing and unpacking `(x, y, sample_weight)` batches; class weights."""

import numpy as np
import torch

from lamina.utils import tree


def unpack_x_y_sample_weight(data):
    """`x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` → a 3-tuple."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`. Received a tuple of length {len(data)}."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights from `{class_index: weight}` and labels `y`
    (integer labels, or one-hot / probabilities using their argmax)."""
    y = torch.as_tensor(y)
    if y.dtype == torch.bool:  # bool one-hot labels; no bool argmax kernel
        y = y.to(torch.uint8)
    if y.dim() > 1 and y.shape[-1] > 1:
        labels = torch.argmax(y, dim=-1)
    else:
        labels = y.reshape(y.shape[0], -1)[:, 0]
        if labels.is_floating_point():
            labels = torch.round(labels)
    labels = labels.long()
    num_classes = max(int(labels.max()) + 1 if labels.numel() else 0,
                      max(class_weight) + 1)
    table = torch.ones(num_classes, dtype=torch.float32, device=labels.device)
    for cls, weight in class_weight.items():
        table[int(cls)] = float(weight)
    return table[labels]


def check_class_weight(class_weight, y):
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise ValueError(
            "Expected `class_weight` to be a dict {class_index: weight}. "
            f"Received: class_weight={class_weight!r}"
        )
    if y is not None and len(tree.flatten(y)) > 1:
        raise ValueError(
            "`class_weight` is only supported for models with a single "
            "output."
        )


def num_samples(structure):
    flat = [v for v in tree.flatten(structure) if v is not None]
    sizes = {int(np.shape(v)[0]) for v in flat}
    if len(sizes) > 1:
        raise ValueError(
            "Data cardinality is ambiguous: all arrays must contain the same "
            f"number of samples. Received sizes: {sorted(sizes)}"
        )
    return sizes.pop() if sizes else 0
