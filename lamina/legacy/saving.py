"""`keras.legacy.saving`: Keras 2's object serialization format.

The Keras 2 form of an object is `{"class_name": name, "config": {...}}`,
without the `module` and `registered_name` keys of Keras 3's format.
Entries of the config that are objects themselves are written in the same
form and marked with `"__passive_serialization__": True`, so that reading
the config back turns them into objects again; functions are written as
their registered names. Reading looks class names up in the custom-object
scopes, the registry of `register_keras_serializable`, the `custom_objects`
argument and the `module_objects` the caller passes, in that order.
"""

import inspect

from lamina.saving import object_registration

_PASSIVE_KEY = "__passive_serialization__"


def serialize_keras_object(instance):
    """The Keras 2 (legacy) JSON-compatible form of `instance`.

    Args:
        instance: an object with `get_config()` (a layer, an initializer,
            a loss, ...), a function or class with a name, or None.

    Returns:
        `{"class_name": ..., "config": ...}` for objects with a config, the
        registered name for functions, None for None.
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config") and not inspect.isclass(instance):
        config = {}
        for key, item in instance.get_config().items():
            config[key] = _serialize_config_item(item)
        name = object_registration.get_registered_name(type(instance))
        return {"class_name": name, "config": config}
    if hasattr(instance, "__name__"):
        return object_registration.get_registered_name(instance)
    raise ValueError(
        f"Cannot serialize {instance!r} in the legacy format: it has no "
        "`get_config()` method and no `__name__`."
    )


def _serialize_config_item(item):
    # Strings, numbers, lists and dicts stay as they are; objects and
    # functions take their serialized form.
    if isinstance(item, str):
        return item
    try:
        serialized = serialize_keras_object(item)
    except ValueError:
        return item
    if isinstance(serialized, dict) and not isinstance(item, dict):
        serialized[_PASSIVE_KEY] = True
    return serialized


def deserialize_keras_object(identifier, module_objects=None,
                             custom_objects=None,
                             printable_module_name="object"):
    """The object a Keras 2 (legacy) serialized form describes.

    Args:
        identifier: a `{"class_name", "config"}` dict, a registered name,
            a function, or None.
        module_objects: dict of built-in objects to look names up in
            (e.g. `vars(lamina.layers)`).
        custom_objects: dict of user objects to look names up in.
        printable_module_name: what the object is, for error messages.

    Returns:
        The object: an instance built with `from_config` for a dict, the
        function or a default instance of the class for a name.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return _from_dict(identifier, module_objects, custom_objects,
                          printable_module_name)
    if isinstance(identifier, str):
        obj = object_registration.get_registered_object(
            identifier, custom_objects, module_objects)
        if obj is None:
            raise ValueError(
                f"Unknown {printable_module_name}: '{identifier}'. Pass it "
                "in `custom_objects`, `module_objects`, a "
                "`custom_object_scope`, or register it with "
                "`register_keras_serializable`."
            )
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret serialized {printable_module_name}: expected "
        "a dict with 'class_name' and 'config', a name, a function or None. "
        f"Received: {identifier!r}"
    )


def _from_dict(config, module_objects, custom_objects,
               printable_module_name):
    if "class_name" not in config or "config" not in config:
        raise ValueError(
            f"Improper config format for {printable_module_name}: expected "
            f"a dict with 'class_name' and 'config' keys. Received: {config}"
        )
    class_name = config["class_name"]
    cls = object_registration.get_registered_object(
        class_name, custom_objects, module_objects)
    if cls is None:
        raise ValueError(
            f"Unknown {printable_module_name}: '{class_name}'. Pass it in "
            "`custom_objects`, `module_objects`, a `custom_object_scope`, "
            "or register it with `register_keras_serializable`."
        )
    cls_config = config["config"]
    if isinstance(cls_config, dict):
        cls_config = _deserialize_config_items(
            cls_config, module_objects, custom_objects)
    custom_objects = dict(custom_objects or {})
    if not hasattr(cls, "from_config"):
        with object_registration.CustomObjectScope(custom_objects):
            return cls(**cls_config)
    parameters = inspect.signature(cls.from_config).parameters
    if "custom_objects" in parameters:
        merged = {**object_registration.get_custom_objects(),
                  **custom_objects}
        return cls.from_config(cls_config, custom_objects=merged)
    with object_registration.CustomObjectScope(custom_objects):
        return cls.from_config(cls_config)


def _deserialize_config_items(cls_config, module_objects, custom_objects):
    # Marked sub-objects become objects again, and names of functions the
    # lookup knows become the functions; everything else is kept.
    result = dict(cls_config)
    for key, item in cls_config.items():
        if key == "name":
            continue
        if isinstance(item, dict) and _PASSIVE_KEY in item:
            item = {k: v for k, v in item.items() if k != _PASSIVE_KEY}
            result[key] = deserialize_keras_object(
                item, module_objects=module_objects,
                custom_objects=custom_objects,
                printable_module_name="config_item")
        elif isinstance(item, str):
            found = object_registration.get_registered_object(
                item, custom_objects, module_objects)
            if inspect.isfunction(found):
                result[key] = found
    return result
