"""Legacy HDF5 `.h5` files: whole models and weights only.

Reads the files of keras 2.3.1, tf.keras 2.x, tf_keras 2.21 and Keras 3's
legacy writer; writes Keras 3's legacy layout:

    /  @model_config (JSON)  @training_config (JSON)  @keras_version  @backend
      model_weights/   @layer_names  @keras_version  @backend
        <layer>/       @weight_names   datasets at <weight path>
        top_level_model_weights/
      optimizer_weights/  @weight_names   datasets at <variable path>

A weights-only file is the `model_weights` group moved to the root. Keras 2
configs are translated by `lamina.saving.keras2_config`. Configs are JSON
and weights arrays: nothing is unpickled, and a `Lambda` layer's code loads
only with `safe_mode=False`. Files are written to a temporary name and
renamed, so an interrupted save leaves the previous file intact.
"""

import contextlib
import json
import os
import warnings

import h5py
import numpy as np

import lamina.activations  # noqa: F401  (the registries deserialization
import lamina.constraints  # noqa: F401   reads from)
import lamina.initializers  # noqa: F401
import lamina.layers  # noqa: F401
import lamina.losses  # noqa: F401
import lamina.metrics  # noqa: F401
import lamina.models  # noqa: F401
import lamina.optimizers  # noqa: F401
import lamina.regularizers  # noqa: F401
from lamina.saving import file_io
from lamina.saving import keras2_config
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.saving.formats import legacy_h5_optimizer as optimizer_io
from lamina.saving.formats import legacy_h5_weights as weights_io
from lamina.saving.formats.legacy_h5_weights import LegacyH5Error

_READ_ERRORS = (OSError, KeyError, RuntimeError, TypeError, AttributeError,
                IndexError)


def save_model_to_hdf5(model, filepath, include_optimizer=True):
    """Saves `model` (config, weights, and with `include_optimizer` its
    compile arguments and optimizer state) as a legacy `.h5` file."""
    model_config = _model_config(model)
    training_config = None
    if include_optimizer and getattr(model, "compiled", False) and \
            getattr(model, "optimizer", None) is not None:
        training_config = _training_config(model)
    with file_io.atomic_path(filepath) as temp_path:
        with h5py.File(temp_path, "w") as h5_file:
            h5_file.attrs["backend"] = weights_io.BACKEND
            h5_file.attrs["keras_version"] = weights_io.KERAS_VERSION
            h5_file.attrs["model_config"] = _to_json(model_config)
            if training_config is not None:
                h5_file.attrs["training_config"] = _to_json(training_config)
            weights_io.save_weights_to_group(
                h5_file.create_group("model_weights"), model)
            if training_config is not None:
                optimizer_io.save_optimizer_weights(h5_file, model.optimizer)


def save_weights_to_hdf5(model, filepath):
    """Saves `model`'s weights as a legacy weights-only `.h5` file."""
    with file_io.atomic_path(filepath) as temp_path:
        with h5py.File(temp_path, "w") as h5_file:
            weights_io.save_weights_to_group(h5_file, model)


def load_model_from_hdf5(filepath, custom_objects=None, compile=True,
                         safe_mode=True):
    """Loads a model saved by `model.save("x.h5")` in Keras 2, Keras 3 or
    Lamina. With `compile=True` (and a `training_config` in the file) the
    model is compiled and its optimizer state restored where it maps."""
    filepath = os.fspath(filepath)
    with _open(filepath) as h5_file:
        try:
            raw_config = h5_file.attrs.get("model_config")
            raw_training = h5_file.attrs.get("training_config")
        except _READ_ERRORS as error:
            raise LegacyH5Error(
                f"Could not read the attributes of {filepath}: the file is "
                f"damaged ({error})."
            ) from None
        if raw_config is None:
            raise LegacyH5Error(
                f"No model config found in the file at {filepath}: it holds "
                "weights only. Build the model and call `load_weights` "
                "instead."
            )
        config = keras2_config.translate_model_config(
            _from_json(raw_config, "model config", filepath))
        model = _revive(config, custom_objects, safe_mode, filepath)
        with _damage_named(filepath, "weights"):
            load_model_weights(h5_file, model, filepath)
        if compile and raw_training is not None:
            training_config = _from_json(raw_training, "training config",
                                         filepath)
            _compile(model, config, training_config, custom_objects,
                     filepath)
            with _damage_named(filepath, "optimizer state"):
                if "optimizer_weights" in h5_file:
                    optimizer_io.load_optimizer_weights(
                        h5_file, model.optimizer, model.trainable_variables,
                        filepath)
        elif compile:
            warnings.warn(
                f"No training configuration found in {filepath}: the model "
                "was *not* compiled. Compile it manually.", stacklevel=2)
    return model


def load_weights_from_hdf5(model, filepath, by_name=False,
                           skip_mismatch=False):
    """Loads legacy `.h5` weights (a weights-only file or a whole-model
    file) into `model`, by layer position or, with `by_name`, by name.

    With `skip_mismatch`, layers whose weight count or shapes differ are
    skipped with a warning instead of failing."""
    filepath = os.fspath(filepath)
    with _open(filepath) as h5_file:
        try:
            group = h5_file["model_weights"] if "model_weights" in h5_file \
                else h5_file
            if "layer_names" not in group.attrs and "layers" in group:
                raise LegacyH5Error(
                    f"{filepath} is a Keras 3 `.weights.h5` file, not a "
                    "legacy `.h5` file. Give it a name ending in "
                    "`.weights.h5` and load it with `model.load_weights`."
                )
            weights_io.load_weights_from_group(
                group, model, filepath, by_name=by_name,
                skip_mismatch=skip_mismatch)
        except _READ_ERRORS as error:
            raise LegacyH5Error(
                f"Could not read the weights in {filepath}: the file is "
                f"damaged ({type(error).__name__}: {error})."
            ) from None


def load_model_weights(h5_file, model, filepath):
    """Loads the weights of a whole-model file into the model rebuilt from
    its own config: by layer name, since the names are the file's own."""
    group = h5_file["model_weights"] if "model_weights" in h5_file \
        else h5_file
    if not model.built:
        raise LegacyH5Error(
            f"The model saved in {filepath} ({type(model).__name__}) is not "
            "built by its config, as happens with subclassed models, so a "
            "legacy .h5 file cannot restore its weights. Save it as "
            "`.keras`, or build it in code and call `load_weights`."
        )
    try:
        saved = {
            name for name in weights_io.read_string_list(
                group, "layer_names") or []
            if name in group and weights_io.read_string_list(
                group[name], "weight_names")
        }
        wanted = {layer.name for layer in model.layers if layer.weights}
        weights_io.load_weights_from_group(
            group, model, filepath, by_name=saved == wanted)
    except _READ_ERRORS as error:
        raise LegacyH5Error(
            f"Could not read the weights in {filepath}: the file is damaged "
            f"({type(error).__name__}: {error})."
        ) from None


# ----------------------------------------------------------------------
def _open(filepath):
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"No file or directory found at {filepath}")
    if os.path.isdir(filepath):
        raise LegacyH5Error(
            f"{filepath} is a directory, not a legacy `.h5` file.")
    try:
        return h5py.File(filepath, "r")
    except (OSError, ValueError) as error:
        raise LegacyH5Error(
            f"Could not open {filepath} as an HDF5 file: it is empty, "
            f"truncated or not HDF5 ({error})."
        ) from None


def _model_config(model):
    """`{"class_name", "config"}` with the layer entries in Keras 3's legacy
    form: no `module`, `registered_name` or `build_config`, and a
    registered class under its registered name."""
    return _legacy_entry(serialization.serialize_keras_object(model))


def _legacy_entry(entry):
    entry = dict(entry)
    module = entry.pop("module", None) or ""
    if module.startswith("keras.src.ops"):
        # Kept, unlike Keras's writer: Keras reads op nodes only with it.
        entry["module"] = module
    registered = entry.pop("registered_name", None)
    if registered and ">" in registered:
        entry["class_name"] = registered
    entry.pop("build_config", None)
    entry.pop("compile_config", None)
    config = entry.get("config")
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        entry["config"] = dict(config, layers=[
            _legacy_entry(layer) for layer in config["layers"]])
    return entry


def _training_config(model):
    compile_config = dict(model.get_compile_config() or {})
    compile_config.pop("optimizer", None)
    optimizer = model.optimizer
    if not hasattr(optimizer, "get_config"):
        raise LegacyH5Error(
            f"Cannot save the optimizer of model '{model.name}' "
            f"({type(optimizer).__name__}): it has no `get_config`. Save "
            "with `include_optimizer=False`."
        )
    compile_config["optimizer_config"] = {
        "class_name": object_registration.get_registered_name(
            type(optimizer)),
        "config": serialization.serialize_keras_object(
            optimizer.get_config()),
    }
    return compile_config


def _to_json(value):
    def default(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if hasattr(obj, "get_config"):
            return serialization.serialize_keras_object(obj)
        raise TypeError(
            f"Cannot save {obj!r} of type {type(obj).__name__} in a legacy "
            ".h5 config: it is not JSON-serializable."
        )

    return json.dumps(value, default=default).encode("utf-8")


def _from_json(raw, what, filepath):
    try:
        value = json.loads(weights_io.decode(raw))
    except (TypeError, ValueError, UnicodeDecodeError) as error:
        raise LegacyH5Error(
            f"The {what} in {filepath} is not valid JSON ({error})."
        ) from None
    if not isinstance(value, dict):
        raise LegacyH5Error(
            f"The {what} in {filepath} should be a JSON object, but it is "
            f"a {type(value).__name__}."
        )
    return value


@contextlib.contextmanager
def _damage_named(filepath, what):
    """h5py reports damage in a file's structure as KeyError, RuntimeError
    or OSError from deep inside a read: say which file and what part."""
    try:
        yield
    except _READ_ERRORS as error:
        raise LegacyH5Error(
            f"Could not read the {what} in {filepath}: the file is damaged "
            f"({type(error).__name__}: {error})."
        ) from None


def _revive(config, custom_objects, safe_mode, filepath):
    if not isinstance(config.get("class_name"), str):
        raise LegacyH5Error(
            f"The model config in {filepath} has no 'class_name'.")
    try:
        with object_registration.custom_object_scope(custom_objects), \
                serialization.SafeModeScope(safe_mode):
            return serialization.deserialize_keras_object(
                config, custom_objects=custom_objects, safe_mode=safe_mode)
    except (TypeError, KeyError, AttributeError, IndexError, RuntimeError,
            ValueError) as error:
        if "safe_mode" in str(error):
            raise  # a Lambda refused in safe mode says so itself
        raise LegacyH5Error(
            f"Could not rebuild the model saved in {filepath}: "
            f"{type(error).__name__}: {error}"
        ) from error


def _compile(model, config, training_config, custom_objects, filepath):
    output_names = _output_names(config)
    try:
        compile_args = keras2_config.translate_training_config(
            training_config, output_names)
        with object_registration.custom_object_scope(custom_objects):
            compile_args["optimizer"] = lamina.optimizers.get(
                compile_args["optimizer"])
            for key in ("loss", "metrics", "weighted_metrics"):
                compile_args[key] = _deserialize_nested(
                    compile_args[key], custom_objects)
            model.compile(**compile_args)
    except (TypeError, KeyError, AttributeError, IndexError,
            ValueError) as error:
        raise LegacyH5Error(
            f"Could not compile the model saved in {filepath} from its "
            f"training config: {type(error).__name__}: {error}. Load it with "
            "`compile=False` to skip compiling."
        ) from error


def _deserialize_nested(value, custom_objects):
    if isinstance(value, dict) and "class_name" in value:
        return serialization.deserialize_keras_object(
            value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_nested(v, custom_objects)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_nested(v, custom_objects) for v in value]
    return value


def _output_names(config):
    refs = config.get("config", {}).get("output_layers") \
        if isinstance(config.get("config"), dict) else None
    if refs is None:
        return None
    names = []

    def visit(value):
        if isinstance(value, list) and value and isinstance(value[0], str):
            names.append(value[0])
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(refs)
    return names
