"""The constraint registry and `get` / `serialize` / `deserialize`."""

import inspect

from lamina.saving import registry
from lamina.saving import serialization

REGISTRY = registry.Registry("constraint", "keras.constraints")


def get(identifier):
    """Returns a constraint: a callable `constraint(weight) -> new weight`.

    Args:
        identifier: `None`, a name (`"max_norm"`, `"NonNeg"`), a serialized
            config dict, a class (instantiated with its defaults), or an
            instance or callable (returned as is).

    Returns:
        A callable, or `None` when `identifier` is `None`.
    """
    return REGISTRY.get(identifier)


def serialize(constraint):
    """Returns the Keras config dict of `constraint`."""
    return serialization.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Builds a constraint from a config dict (or a name)."""
    if isinstance(config, str):
        return REGISTRY.lookup(config, custom_objects)()
    obj = REGISTRY.deserialize(config, custom_objects)
    # A config without arguments (`"config": None`) names the class.
    return obj() if inspect.isclass(obj) else obj
