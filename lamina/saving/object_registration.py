"""Where deserialization finds objects: `register_keras_serializable`,
custom-object scopes, and the table of built-in families.

User classes land here under `"package>Name"`, the name Keras writes in
`registered_name`. Built-in objects live in their family's `Registry`
(`saving.registry`), which adds itself to the family table here, so that
`serialization` finds them by the module a config names without importing
the registries.
"""

import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()

# Keras module name (as written in configs) -> the families registered
# under it (`keras.metrics` holds metric classes and metric functions).
_FAMILIES_BY_MODULE = {}


def _scope_stack():
    if not hasattr(_scope, "stack"):
        _scope.stack = []
    return _scope.stack


class CustomObjectScope:
    """Makes `custom_objects` visible to deserialization inside a `with`."""

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The mutable global dict of custom objects, keyed by registered name."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under `"package>name"`."""
    if "/" in str(package) or ">" in str(package):
        raise ValueError(
            "Invalid value for argument `package`: it cannot contain '/' or "
            f"'>'. Received: package={package!r}"
        )

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a registered class must "
                "define `get_config()`."
            )
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """`"package>Name"` for registered objects, else the object's name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Finds `name` in scopes, the global registry, then `module_objects`."""
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def custom_registered_name(obj):
    """`"package>Name"` when `obj` was registered with
    `register_keras_serializable`, else None."""
    return _GLOBAL_CUSTOM_NAMES.get(obj)


def add_family(keras_module, family):
    """Makes a family's registry visible to deserialization under the
    Keras module name its configs carry."""
    _FAMILIES_BY_MODULE.setdefault(keras_module, []).append(family)


def families_for_module(keras_module):
    """The families registered under a Keras module name (maybe none)."""
    return list(_FAMILIES_BY_MODULE.get(keras_module, ()))


def all_families():
    return [family for families in _FAMILIES_BY_MODULE.values()
            for family in families]
