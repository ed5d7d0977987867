"""What `Layer.__call__` needs to know about a layer class and its inputs,
computed once per class: which of `training`/`mask` its `call` takes.

`call_spec(cls)` and `mask_of(value)` are public to the packages above
(models' shortcuts read them); the underscore helpers serve `Layer`.
"""

import inspect

import torch

from lamina.graph import symbolic


class CallSpec:
    __slots__ = ("has_training", "training_default", "has_mask", "names",
                 "computes_masks")

    def __init__(self, call_fn, cls=None):
        params = inspect.signature(call_fn).parameters
        self.names = [n for n in params if n != "self"]
        self.has_training = "training" in params
        default = params["training"].default if "training" in params else None
        self.training_default = (
            None if default is inspect.Parameter.empty else default
        )
        self.has_mask = "mask" in params
        # Whether compute_mask may create a mask from nothing (Embedding,
        # Masking); otherwise masks only need attaching when one came in.
        self.computes_masks = cls is not None and not getattr(
            cls.compute_mask, "_is_base_compute_mask", False)


_CALL_SPECS = {}


def call_spec(cls):
    """The `CallSpec` of a layer class (computed once per class)."""
    spec = _CALL_SPECS.get(cls)
    if spec is None:
        spec = _CALL_SPECS[cls] = CallSpec(cls.call, cls)
    return spec


def _call_argument_names(cls):
    return call_spec(cls).names


def _positional_names(fn):
    params = inspect.signature(fn).parameters
    return [
        name for name, p in params.items()
        if name != "self" and p.kind in (p.POSITIONAL_ONLY,
                                         p.POSITIONAL_OR_KEYWORD)
    ]


def _shape_of(value):
    if not hasattr(value, "shape"):
        return value
    shape = tuple(value.shape)
    if symbolic.in_symbolic_scope():
        # Inside a shape trace, placeholder sizes stand for unknown dims.
        shape = tuple(None if d in symbolic.FILL_SIZES else d for d in shape)
    return shape


def mask_of(value):
    """The Keras mask carried by a tensor (or a list of them), or None."""
    if isinstance(value, torch.Tensor):
        return getattr(value, "_keras_mask", None)
    if isinstance(value, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) for v in value]
        return masks if any(m is not None for m in masks) else None
    # A symbolic KerasTensor carries its mask while a graph is built.
    return getattr(value, "_keras_mask", None)


class _ShapeHolder:
    """Stands in for a KerasTensor when building: it has only a shape."""

    def __init__(self, shape):
        self.shape = shape


def _as_shape_holder(value):
    if isinstance(value, symbolic.KerasTensor):
        return _ShapeHolder(value.shape)
    return value


def _jsonable_shape(shape):
    if isinstance(shape, (list, tuple)):
        return [_jsonable_shape(d) for d in shape]
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    return shape


def _is_plain(value):
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v)
                   for k, v in value.items())
    return False


def _pop_legacy_input_shape(kwargs):
    """Keras 2's `input_shape=`, `input_dim=`, `batch_input_shape=`."""
    batch_shape = kwargs.pop("batch_input_shape", None)
    input_shape = kwargs.pop("input_shape", None)
    input_dim = kwargs.pop("input_dim", None)
    batch_size = kwargs.pop("batch_size", None)
    if input_dim is not None and input_shape is None:
        input_shape = (input_dim,)
    if batch_shape is None and input_shape is not None:
        batch_shape = (batch_size,) + tuple(input_shape)
    return tuple(batch_shape) if batch_shape is not None else None
