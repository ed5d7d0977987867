"""Using torch loss modules (`torch.nn.MSELoss`, ...) as Keras losses."""

import inspect

import torch

from lamina.losses import _tensors
from lamina.losses.reduction import squeeze_or_expand_to_same_rank
from lamina.utils import naming

# Losses whose target holds class indices (rather than values shaped like
# the input) unless it has the input's shape.
_INDEX_TARGET_LOSSES = (
    torch.nn.CrossEntropyLoss,
    torch.nn.NLLLoss,
    torch.nn.MultiMarginLoss,
)


def is_torch_loss(obj):
    """Whether `obj` is a torch loss module instance or class."""
    if inspect.isclass(obj):
        return issubclass(obj, torch.nn.modules.loss._Loss)
    return isinstance(obj, torch.nn.Module)


def wrap_torch_loss(module):
    """Adapts a torch loss module to Keras's `loss(y_true, y_pred)` order.

    Torch losses are called as `module(input, target)`, that is
    `module(y_pred, y_true)`; Keras losses as `loss(y_true, y_pred)`. The
    returned function takes Keras's order and calls `module(y_pred, y_true)`.
    On the way it converts arrays to tensors on `y_pred`'s device and makes
    `y_true` what torch expects:

    - for `CrossEntropyLoss`, `NLLLoss` and `MultiMarginLoss` with index
      targets (shape differs from `y_pred`'s), a trailing axis of size 1 is
      dropped and the labels are cast to `int64`;
    - for `MultiLabelMarginLoss`, the labels are cast to `int64`;
    - otherwise `y_true` is cast to `y_pred`'s dtype, and `(batch,)` against
      `(batch, 1)` is aligned as Keras aligns them (no silent broadcasting to
      `(batch, batch)`).

    The value is whatever the module returns: a scalar with the module's
    default `reduction="mean"`, per-element losses with `reduction="none"`.

    Args:
        module: A `torch.nn` loss instance (e.g. `torch.nn.MSELoss()`), or a
            loss class, which is instantiated with its defaults.

    Returns:
        A function `fn(y_true, y_pred)`; `fn.module` is the torch module.

    Example:

    >>> import torch
    >>> loss = wrap_torch_loss(torch.nn.CrossEntropyLoss())
    >>> y_true = torch.tensor([1, 0])
    >>> y_pred = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(float(loss(y_true, y_pred)), 4)
    0.6931
    """
    if inspect.isclass(module):
        module = module()
    if not isinstance(module, torch.nn.Module):
        raise ValueError(
            "Invalid value for argument `module`. Expected a torch.nn loss "
            f"module instance or class. Received: module={module!r}"
        )
    index_targets = isinstance(module, _INDEX_TARGET_LOSSES)
    long_targets = isinstance(module, torch.nn.MultiLabelMarginLoss)

    def loss_fn(y_true, y_pred):
        y_pred = _tensors.convert(y_pred)
        y_true = _tensors.convert(y_true, device=y_pred.device)
        if long_targets:
            y_true = y_true.long()
        elif index_targets and y_true.shape != y_pred.shape:
            if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
                y_true = y_true.squeeze(-1)
            y_true = y_true.long()
        else:
            y_true = y_true.to(y_pred.dtype)
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return module(y_pred, y_true)

    loss_fn.__name__ = naming.to_snake_case(type(module).__name__)
    loss_fn.__qualname__ = loss_fn.__name__
    loss_fn.__doc__ = (
        f"Keras-order adapter of torch's {type(module).__name__}: "
        "`fn(y_true, y_pred)` calls `module(y_pred, y_true)`."
    )
    loss_fn.module = module
    return loss_fn
