"""The initializer registry and `get` / `serialize` / `deserialize`."""

import inspect

import numpy as np
import torch

from lamina.saving import registry
from lamina.saving import serialization
from lamina.utils import dtypes

REGISTRY = registry.Registry("initializer", "keras.initializers")


def _initializer_from_value(identifier):
    """A tensor or array given as initializer returns that exact value."""
    if isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        return _from_value(identifier)
    return None


def get(identifier):
    """Returns an initializer: a callable `init(shape, dtype=None)`.

    Args:
        identifier: `None`, a name (`"glorot_uniform"`, `"Zeros"`), a
            serialized config dict, a class (instantiated with its defaults),
            an instance or callable (returned as is), or a tensor / NumPy
            array (an initializer returning that exact value).

    Returns:
        A callable, or `None` when `identifier` is `None`.
    """
    return REGISTRY.get(identifier)


def serialize(initializer):
    """Returns the Keras config dict of `initializer`."""
    return serialization.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Builds an initializer from a config dict (or a name)."""
    if isinstance(config, str):
        return REGISTRY.lookup(config, custom_objects)()
    obj = REGISTRY.deserialize(config, custom_objects)
    # A config without arguments (`"config": None`) names the class.
    return obj() if inspect.isclass(obj) else obj


def _from_value(value):
    value = torch.as_tensor(value)

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != tuple(value.shape):
            raise ValueError(
                "Expected `shape` to be the shape of the tensor given as "
                f"initializer, {tuple(value.shape)}. Received: shape={shape}"
            )
        return value.to(
            device="cpu", dtype=dtypes.to_torch_dtype(dtype), copy=True
        )

    return initialize_fn


REGISTRY.configure(adapter=_initializer_from_value)
