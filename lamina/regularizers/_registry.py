"""The regularizer registry and `get` / `serialize` / `deserialize`."""

import inspect

from lamina.saving import registry
from lamina.saving import serialization

REGISTRY = registry.Registry("regularizer", "keras.regularizers")


def get(identifier):
    """Returns a regularizer: a callable `regularizer(weight) -> scalar`.

    Args:
        identifier: `None`, a name (`"l2"`, `"L1L2"`), a serialized config
            dict, a class (instantiated with its defaults), or an instance
            or callable (returned as is).

    Returns:
        A callable, or `None` when `identifier` is `None`.
    """
    return REGISTRY.get(identifier)


def serialize(regularizer):
    """Returns the Keras config dict of `regularizer`."""
    return serialization.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Builds a regularizer from a config dict (or a name)."""
    if isinstance(config, str):
        return REGISTRY.lookup(config, custom_objects)()
    obj = REGISTRY.deserialize(config, custom_objects)
    # A config without arguments (`"config": None`) names the class.
    return obj() if inspect.isclass(obj) else obj
