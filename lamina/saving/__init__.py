from lamina.saving.object_registration import CustomObjectScope
from lamina.saving.object_registration import custom_object_scope
from lamina.saving.object_registration import get_custom_objects
from lamina.saving.object_registration import get_registered_name
from lamina.saving.object_registration import get_registered_object
from lamina.saving.object_registration import register_keras_serializable
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object

# The file API sits above layers, models and optimizers, which import this
# package's registry: it loads on first use.
_FILE_API = {
    "save_model": "lamina.saving.saving_api",
    "load_model": "lamina.saving.saving_api",
    "save_weights": "lamina.saving.saving_api",
    "load_weights": "lamina.saving.saving_api",
    "KerasFileEditor": "lamina.saving.file_editor",
}


def __getattr__(name):
    if name in _FILE_API:
        import importlib

        return getattr(importlib.import_module(_FILE_API[name]), name)
    raise AttributeError(f"module 'lamina.saving' has no attribute '{name}'")
