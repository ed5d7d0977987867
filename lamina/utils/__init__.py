"""`lamina.utils`: Keras's utilities, each loaded on first use.

The low modules of this package (naming, tree, dtypes) sit below the graph
and the layers; the public names re-exported here sit above them (plotting,
dataset builders, saving helpers). Loading them lazily keeps
`import lamina.utils.naming` from pulling in the top of the house."""

import importlib

_EXPORTS = {
    "set_random_seed": "lamina.utils.rng_utils",
    "CustomObjectScope": "lamina.saving.object_registration",
    "custom_object_scope": "lamina.saving.object_registration",
    "get_custom_objects": "lamina.saving.object_registration",
    "get_registered_name": "lamina.saving.object_registration",
    "get_registered_object": "lamina.saving.object_registration",
    "register_keras_serializable": "lamina.saving.object_registration",
    "deserialize_keras_object": "lamina.saving.serialization",
    "serialize_keras_object": "lamina.saving.serialization",
    "PyDataset": "lamina.utils.py_dataset",
    "Sequence": "lamina.utils.py_dataset",
    "get_file": "lamina.utils.file_utils",
    "normalize": "lamina.utils.numerical_utils",
    "to_categorical": "lamina.utils.numerical_utils",
    "pad_sequences": "lamina.utils.sequence_utils",
    "Progbar": "lamina.utils.progbar",
    "disable_interactive_logging": "lamina.utils.io_utils",
    "enable_interactive_logging": "lamina.utils.io_utils",
    "is_interactive_logging_enabled": "lamina.utils.io_utils",
    "model_to_dot": "lamina.utils.model_visualization",
    "plot_model": "lamina.utils.model_visualization",
    "plot_history": "lamina.utils.history_plot",
    "image_dataset_from_directory": "lamina.utils.image_dataset",
    "array_to_img": "lamina.utils.image_utils",
    "img_to_array": "lamina.utils.image_utils",
    "load_img": "lamina.utils.image_utils",
    "save_img": "lamina.utils.image_utils",
    "text_dataset_from_directory": "lamina.utils.text_dataset",
    "timeseries_dataset_from_array": "lamina.utils.timeseries_dataset",
    "audio_dataset_from_directory": "lamina.utils.audio_dataset",
    "split_dataset": "lamina.utils.dataset_split",
    "Config": "lamina.utils.config_object",
    "FeatureSpace": "lamina.utils.feature_space",
    "get_source_inputs": "lamina.utils.graph_utils",
    "is_keras_tensor": "lamina.graph",
    "standardize_dtype": "lamina.utils.dtypes",
    "clear_session": "lamina.backend.session",
    "pack_x_y_sample_weight":
        "lamina.trainers.data_adapters.data_adapter_utils",
    "unpack_x_y_sample_weight":
        "lamina.trainers.data_adapters.data_adapter_utils",
}


# Submodules that are namespaces of their own (`keras.utils.bounding_boxes`).
_SUBMODULES = ("bounding_boxes", "legacy")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"lamina.utils.{name}")
        globals()[name] = module
        return module
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.utils' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBMODULES))
