"""One registry per family (activations, initializers, layers, losses, ...).

A family registers its built-in objects once with `@REGISTRY.register(...)`;
the same table serves string look-up (`get`), deserialization, and the
Keras module name written into saved configs. `Registry.get` is the one
look-up every family's `get()` calls; a family adds what is its own with
`configure`: an adapter for torch objects (a `torch.nn` loss, a
`torch.optim` optimizer, a tensor as an initializer), the base class its
objects must have, case-insensitive names.
"""

import inspect

from lamina.saving import object_registration
from lamina.saving import serialization


def _is_usable(obj):
    return callable(obj) or hasattr(obj, "get_config")


class Registry:
    def __init__(self, family, keras_module, instantiate_classes=True):
        self.family = family
        self.keras_module = keras_module
        self.instantiate_classes = instantiate_classes
        self.adapter = None
        self.base_class = None
        self.ignore_case = False
        self._objects = {}
        object_registration.add_family(keras_module, self)

    def configure(self, adapter=None, base_class=None, ignore_case=False):
        """Sets what is particular to a family's `get`.

        Args:
            adapter: `fn(identifier)` returning the object to use for an
                identifier the family takes from torch (or another
                library), or None to look it up as usual. Called for any
                identifier that is not a string or a config dict.
            base_class: classes must subclass it to be instantiated, and
                `get` returns only its instances (default: any callable or
                object with `get_config`).
            ignore_case: names match case-insensitively (optimizers).
        """
        self.adapter = adapter
        self.base_class = base_class
        self.ignore_case = ignore_case

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

    def canonical_name(self, name):
        """The registered spelling of `name` (the same name unless the
        family ignores case), or `name` itself when none matches."""
        if name in self._objects or not self.ignore_case or \
                not isinstance(name, str):
            return name
        lowered = name.lower()
        for registered in self._objects:
            if registered.lower() == lowered:
                return registered
        return name

    def lookup(self, name, custom_objects=None):
        obj = object_registration.get_registered_object(
            self.canonical_name(name), custom_objects, self._objects
        )
        if obj is None:
            raise ValueError(
                f"Unknown {self.family}: '{name}'. Expected one of "
                f"{self.names()}, or an object registered with "
                "`register_keras_serializable` or passed in `custom_objects`."
            )
        return obj

    def get(self, identifier, custom_objects=None):
        """Resolves a string, config dict, class, instance or callable.

        None gives None; a string is looked up (custom objects first); a
        config dict is deserialized; a class is instantiated with its
        defaults (when the family instantiates classes); an instance or a
        callable is returned as it is.
        """
        if identifier is None:
            return None
        if self.adapter is not None and not isinstance(
                identifier, (str, dict)):
            adapted = self.adapter(identifier)
            if adapted is not None:
                return adapted
        if isinstance(identifier, str):
            obj = self.lookup(identifier, custom_objects)
        elif isinstance(identifier, dict):
            obj = self.deserialize(identifier, custom_objects)
        else:
            obj = identifier
        if self.instantiate_classes and inspect.isclass(obj) and (
                self.base_class is None or issubclass(obj, self.base_class)):
            obj = obj()
        if self._accepts(obj):
            return obj
        raise ValueError(
            f"Could not interpret {self.family} identifier: {identifier!r}. "
            f"Expected a string, a config dict, a class, an instance or a "
            f"callable."
        )

    def _accepts(self, obj):
        if self.base_class is not None:
            return isinstance(obj, self.base_class)
        return _is_usable(obj)

    def deserialize(self, config, custom_objects=None):
        """`deserialize_keras_object` with this family's built-ins (names
        in its own case when it ignores case)."""
        if isinstance(config, dict) and self.ignore_case:
            config = dict(config)
            for key in ("class_name", "registered_name"):
                if key in config:
                    config[key] = self.canonical_name(config[key])
        return serialization.deserialize_keras_object(
            config, module_objects=self._objects, custom_objects=custom_objects
        )
