"""One registry per family (activations, initializers, layers, losses, ...).

A family registers its built-in objects once with `@REGISTRY.register(...)`;
the same table serves string look-up (`get`), deserialization, and the
Keras module name written into saved configs.
"""

import inspect

from lamina.saving import object_registration

# Keras module name (as written in configs) -> Registry.
_REGISTRIES_BY_MODULE = {}


class Registry:
    def __init__(self, family, keras_module, instantiate_classes=True):
        self.family = family
        self.keras_module = keras_module
        self.instantiate_classes = instantiate_classes
        self._objects = {}
        _REGISTRIES_BY_MODULE[keras_module] = self

    def register(self, *aliases, keras_module=None):
        """Registers an object under its own name plus `aliases`."""

        def decorator(obj):
            for name in (obj.__name__,) + aliases:
                self._objects[name] = obj
            obj._keras_module = keras_module or self.keras_module
            return obj

        return decorator

    def add(self, name, obj):
        self._objects[name] = obj

    def names(self):
        return sorted(self._objects)

    def objects(self):
        return dict(self._objects)

    def __contains__(self, name):
        return name in self._objects

    def lookup(self, name, custom_objects=None):
        obj = object_registration.get_registered_object(
            name, custom_objects, self._objects
        )
        if obj is None:
            raise ValueError(
                f"Unknown {self.family}: '{name}'. Expected one of "
                f"{self.names()}, or an object registered with "
                "`register_keras_serializable` or passed in `custom_objects`."
            )
        return obj

    def get(self, identifier, custom_objects=None):
        """Resolves a string, config dict, class, instance or callable."""
        if identifier is None:
            return None
        if isinstance(identifier, str):
            obj = self.lookup(identifier, custom_objects)
        elif isinstance(identifier, dict):
            return self.deserialize(identifier, custom_objects)
        else:
            obj = identifier
        if self.instantiate_classes and inspect.isclass(obj):
            return obj()
        if callable(obj) or hasattr(obj, "get_config"):
            return obj
        raise ValueError(
            f"Could not interpret {self.family} identifier: {identifier!r}. "
            f"Expected a string, a config dict, a class, an instance or a "
            f"callable."
        )

    def deserialize(self, config, custom_objects=None):
        from lamina.saving import serialization

        return serialization.deserialize_keras_object(
            config, module_objects=self._objects, custom_objects=custom_objects
        )


def registry_for_module(keras_module):
    return _REGISTRIES_BY_MODULE.get(keras_module)


def all_registries():
    return list(_REGISTRIES_BY_MODULE.values())
