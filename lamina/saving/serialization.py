"""`serialize_keras_object` / `deserialize_keras_object` in Keras 3's format.

Configs are plain JSON: `{"module", "class_name", "config", "registered_name"}`
for objects, bare strings for built-in functions. Code is never loaded from a
config unless the caller opts out of safe mode.
"""

import base64
import inspect
import marshal
import threading
import types

import numpy as np

from lamina.saving import distributed
from lamina.saving import object_registration

_safe_mode = threading.local()

PLAIN_TYPES = (str, int, float, bool, type(None))


class SafeModeScope:
    """Within this scope, lambdas in configs load only if `safe_mode=False`."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self.previous = getattr(_safe_mode, "value", None)
        _safe_mode.value = self.safe_mode
        return self

    def __exit__(self, *exc_info):
        _safe_mode.value = self.previous


def loading_in_safe_mode():
    """True only inside a `SafeModeScope(True)`: while a model loads in
    safe mode (outside any loading, it is False)."""
    return getattr(_safe_mode, "value", None) is True


def in_safe_mode():
    from lamina import config

    value = getattr(_safe_mode, "value", None)
    if value is None:
        return not config.is_unsafe_deserialization_enabled()
    return value


def serialize_keras_object(obj):
    if isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, tuple):
        return tuple(serialize_keras_object(x) for x in obj)
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode()}}
    if isinstance(obj, np.ndarray):
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": str(obj.dtype)},
        }
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        return {"class_name": "__lambda__", "config": dump_function(obj)}
    if isinstance(obj, types.FunctionType):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": object_registration.get_registered_name(obj),
            "registered_name": "function",
        }
    if inspect.isclass(obj):
        return {
            "module": _module_of(obj),
            "class_name": obj.__name__,
            "config": None,
            "registered_name": _registered_name_of(obj),
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r}: it is not a plain value, a function "
            "or an object with `get_config()`."
        )
    cls = distributed.saved_class(obj)
    config = {
        "module": _module_of(cls),
        # A class Keras exports under another name writes that name.
        "class_name": cls.__dict__.get("_keras_class_name", cls.__name__),
        "config": serialize_keras_object(obj.get_config()),
        "registered_name": _registered_name_of(cls),
    }
    build_config = getattr(obj, "get_build_config", lambda: None)()
    if build_config is not None:
        config["build_config"] = serialize_keras_object(build_config)
    compile_config = getattr(obj, "get_compile_config", lambda: None)()
    if compile_config is not None:
        config["compile_config"] = serialize_keras_object(compile_config)
    return config


def _module_of(cls):
    if object_registration.custom_registered_name(cls) is not None:
        return None if cls.__module__ == "__main__" else cls.__module__
    builtin_module = cls.__dict__.get("_keras_module")
    return builtin_module or cls.__module__


def _registered_name_of(cls):
    custom_name = object_registration.custom_registered_name(cls)
    if custom_name is not None:
        return custom_name
    if "_keras_module" in cls.__dict__:
        # Keras writes e.g. "Adam" for its torch-backed optimizers.
        return cls.__dict__.get("_keras_registered_name")
    return cls.__name__


def deserialize_keras_object(
    config, custom_objects=None, safe_mode=True, module_objects=None, **kwargs
):
    """Rebuilds an object from `serialize_keras_object`'s output."""
    if isinstance(config, PLAIN_TYPES) and not isinstance(config, str):
        return config
    if isinstance(config, (list, tuple)):
        return [
            deserialize_keras_object(c, custom_objects, safe_mode, module_objects)
            for c in config
        ]
    if isinstance(config, str):
        obj = object_registration.get_registered_object(
            config, custom_objects, module_objects
        )
        if obj is None:
            raise ValueError(
                f"Could not locate object '{config}'. Make sure custom objects "
                "are registered with `register_keras_serializable` or passed "
                "in `custom_objects`."
            )
        return obj
    if not isinstance(config, dict):
        raise TypeError(f"Could not deserialize {config!r}: expected a dict.")
    class_name = config.get("class_name")
    inner = config.get("config")
    if class_name is None:
        return {
            k: deserialize_keras_object(v, custom_objects, safe_mode,
                                        module_objects)
            if isinstance(v, dict) and "class_name" in v
            else v
            for k, v in config.items()
        }
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode()
    if class_name == "__tensor__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__lambda__":
        if safe_mode and in_safe_mode():
            raise ValueError(
                "Requested the deserialization of a Python lambda. It holds "
                "arbitrary code, so it only loads with `safe_mode=False` (in "
                "`load_model`) or `lamina.config.enable_unsafe_deserialization()`"
                ". Only do this if you trust the source of the file."
            )
        return load_function(inner)
    if class_name == "function":
        return deserialize_keras_object(
            inner, custom_objects, safe_mode, module_objects
        )
    cls = _resolve_class(config, custom_objects, module_objects)
    if inner is None:
        return cls
    with SafeModeScope(safe_mode and in_safe_mode()):
        if hasattr(cls, "from_config"):
            try:
                obj = cls.from_config(inner, custom_objects=custom_objects) \
                    if _accepts_custom_objects(cls.from_config) \
                    else cls.from_config(inner)
            except TypeError as error:
                raise TypeError(
                    f"{cls.__name__} could not be deserialized from its "
                    f"config: {error}. Received config={inner}"
                ) from error
        else:
            obj = cls(**inner)
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config"):
        obj.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(compile_config)
    return obj


def _accepts_custom_objects(fn):
    try:
        return "custom_objects" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _resolve_class(config, custom_objects, module_objects):
    class_name = config["class_name"]
    registered_name = config.get("registered_name") or class_name
    for name in (registered_name, class_name):
        obj = object_registration.get_registered_object(
            name, custom_objects, module_objects
        )
        if obj is not None:
            return obj
    module = config.get("module")
    # The module's own family first; "keras" names both models and dtype
    # policies, so fall back to every family.
    candidates = (object_registration.families_for_module(module) if module
                  else []) + object_registration.all_families()
    for family in candidates:
        if class_name in family:
            return family.lookup(class_name)
    raise TypeError(
        f"Could not locate class '{class_name}' (module {module!r}). Make "
        "sure custom classes are decorated with "
        "`@lamina.saving.register_keras_serializable()` or passed in "
        f"`custom_objects`. Full object config: {config}"
    )


def dump_function(fn):
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = None
    if fn.__closure__:
        closure = tuple(cell.cell_contents for cell in fn.__closure__)
    return {"code": code, "defaults": fn.__defaults__, "closure": closure}


def load_function(config):
    code = marshal.loads(base64.b64decode(config["code"].encode("ascii")))
    closure = config.get("closure")
    if closure is not None:
        closure = tuple(types.CellType(value) for value in closure)
    defaults = config.get("defaults")
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    return types.FunctionType(code, globals(), code.co_name, defaults, closure)
