"""`save_model`, `load_model`, `save_weights`, `load_weights`: the format
follows the file name, as in Keras 3.

- `.keras`: the Keras 3 zip (config, weights, optimizer state, assets), or a
  folder with the same members when saved with `zipped=False`;
- `.weights.h5`: Keras 3's weights file;
- `.h5` / `.hdf5`: the legacy HDF5 layouts of Keras 2 and Keras 3.
"""

import contextlib
import os
import warnings

from lamina.saving import distributed
from lamina.saving.formats import keras_zip
from lamina.saving.formats import legacy_h5
from lamina.saving.formats import sharded_weights
from lamina.saving.formats import weights_h5

_LEGACY_SUFFIXES = (".h5", ".hdf5")

# What loading a damaged, truncated or foreign file raises, its message
# naming the file and the problem (TypeError: a config naming a class that
# is not registered, as in Keras). Any other exception is a loader bug.
LOAD_ERRORS = (ValueError, OSError, TypeError)


@contextlib.contextmanager
def _naming_the_file(path):
    """A load error whose message does not say which file gets its name."""
    try:
        yield
    except LOAD_ERRORS as error:
        if path in str(error) or os.path.basename(path) in str(error):
            raise
        message = f"Could not load '{path}': {error}"
        try:
            renamed = type(error)(message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeError's signature
            renamed = ValueError(message)
        raise renamed from error


def _path_string(filepath):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(
            "Expected `filepath` to be a string or a path-like object. "
            f"Received: filepath={filepath!r} (of type "
            f"{type(filepath).__name__})"
        ) from None


def ask_to_proceed_with_overwrite(filepath):
    """Asks on the terminal whether to overwrite `filepath`; True for yes."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]")
    answer = answer.strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def _may_write(model, filepath, overwrite):
    # Under ModelParallel rank 0 alone asks, and every process follows its
    # answer (processes answering differently would part ways mid-save).
    return overwrite or distributed.rank_zero_decides(
        model, lambda: not os.path.exists(filepath) or
        ask_to_proceed_with_overwrite(filepath))


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` to `filepath`: a `.keras` zip, or legacy HDF5 for a
    name ending in `.h5`/`.hdf5`.

    Args:
        model: the model to save.
        filepath: string or path-like; its extension picks the format.
        overwrite: when False and the file exists, asks on the terminal.
        zipped: False writes the `.keras` members to a folder instead.
        include_optimizer: (keyword) whether the optimizer state is saved.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(
            f"The following argument(s) are not supported: {list(kwargs)}"
        )
    path = _path_string(filepath)
    is_legacy = path.endswith(_LEGACY_SUFFIXES)
    if save_format:
        if not (is_legacy or path.endswith(".keras")):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Remove "
                "it and pass a file path with either a `.keras` or a `.h5` "
                f"extension. Received: save_format={save_format!r}"
            )
        warnings.warn(
            "The `save_format` argument is deprecated in Keras 3: the "
            f"format follows the file extension. Received: "
            f"save_format={save_format!r}", stacklevel=2,
        )
    if is_legacy:
        warnings.warn(
            "You are saving your model as an HDF5 file via `model.save()` or "
            "`lamina.saving.save_model(model)`. This file format is "
            "considered legacy. We recommend using instead the native Keras "
            "format, e.g. `model.save('my_model.keras')`.", stacklevel=2,
        )
    if zipped is None:
        zipped = True
    if not zipped and path.endswith(".keras"):
        raise ValueError(
            "When using `zipped=False`, the `filepath` argument should not "
            f"end in `.keras`. Received: filepath={path}"
        )
    if not is_legacy and not getattr(model, "built", True):
        warnings.warn(
            "You are saving a model that has not yet been built. It might "
            "not contain any weights yet. Consider building the model first "
            "by calling it on some data.", stacklevel=2,
        )
    if not _may_write(model, path, overwrite):
        return
    # Under ModelParallel every process gathers; rank 0 alone writes.
    with distributed.writing(model, path) as target:
        _write_model(model, target, zipped, is_legacy, include_optimizer)


def _write_model(model, path, zipped, is_legacy, include_optimizer):
    if not zipped:
        keras_zip.save_model(model, path, zipped=False,
                             include_optimizer=include_optimizer)
    elif path.endswith(".keras"):
        keras_zip.save_model(model, path, include_optimizer=include_optimizer)
    elif is_legacy:
        legacy_h5.save_model_to_hdf5(model, path, include_optimizer)
    else:
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a "
            "`.keras` extension for the native Keras format (recommended) or "
            f"a `.h5` extension. Received: filepath={path}."
        )


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved as `.keras` (zip or folder) or legacy `.h5`.

    Args:
        filepath: string or path-like.
        custom_objects: dict mapping names to custom classes or functions.
        compile: whether to compile the model as it was when saved.
        safe_mode: when True (the default), a `Lambda` layer's Python code
            stored in the file is never loaded; pass False only for files
            you trust.
    """
    path = _path_string(filepath)
    if keras_zip.is_keras_archive(path) and (
        path.endswith(".keras") or os.path.isdir(path)
    ):
        with _naming_the_file(path), distributed.loading():
            return keras_zip.load_model(path, custom_objects, compile,
                                        safe_mode)
    if path.endswith(_LEGACY_SUFFIXES):
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such file: '{path}'.")
        with _naming_the_file(path), distributed.loading():
            return legacy_h5.load_model_from_hdf5(
                path, custom_objects=custom_objects, compile=compile,
                safe_mode=safe_mode,
            )
    if path.endswith(".keras"):
        if os.path.isfile(path):
            raise ValueError(
                f"'{path}' is not a valid `.keras` file: it is not a zip "
                "archive (it may be empty, truncated or of another format)."
            )
        raise ValueError(
            f"File not found: filepath={path}. Please ensure the file is an "
            "accessible `.keras` zip file."
        )
    raise ValueError(
        f"File format not supported: filepath={path}. Lamina, like Keras 3, "
        "supports `.keras` files and legacy H5 files (`.h5` extension). The "
        "TensorFlow SavedModel format cannot be loaded."
    )


def save_weights(model, filepath, overwrite=True, max_shard_size=None,
                 **kwargs):
    """Saves the model's weights (and optimizer state) to a `.weights.h5`.

    Args:
        objects_to_skip: (keyword) layers or optimizers whose state (and
            that of their children) is left out of the file.
    """
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = _path_string(filepath)
    if max_shard_size is None and not path.endswith(".weights.h5"):
        raise ValueError(
            "The filename must end in `.weights.h5`. "
            f"Received: filepath={path}"
        )
    if max_shard_size is not None:
        if not path.endswith((".weights.h5", ".weights.json")):
            raise ValueError(
                "The filename must end in `.weights.json` when "
                f"`max_shard_size` is specified. Received: filepath={path}"
            )
        if path.endswith(".h5"):
            new_path = path[: -len(".h5")] + ".json"
            warnings.warn(
                "Saving sharded weights requires `*.json` as the extension. "
                f"The original path: {path} will be renamed to {new_path}.",
                stacklevel=2,
            )
            path = new_path
    if not getattr(model, "built", True):
        raise ValueError(
            "You are saving a model that has not yet been built. Try "
            "building the model first by calling it on some data or by using "
            "`build()`."
        )
    if not _may_write(model, path, overwrite):
        return
    with distributed.writing(model, path) as target:
        if max_shard_size is not None:
            sharded_weights.save_weights(model, target, max_shard_size,
                                         objects_to_skip=objects_to_skip)
        else:
            weights_h5.save_weights(model, target,
                                    objects_to_skip=objects_to_skip)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights from `.keras`, `.weights.h5` or legacy `.h5` files.

    Args:
        skip_mismatch: skip (with a warning) the objects whose variables do
            not match the file, instead of raising.
        by_name: (keyword, legacy `.h5` only) match layers by name.
        objects_to_skip: (keyword, `.weights.h5` only) layers or optimizers
            left as they are.
    """
    path = _path_string(filepath)
    by_name = kwargs.pop("by_name", None)
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if objects_to_skip is not None and not path.endswith(
        (".weights.h5", ".weights.json")
    ):
        raise ValueError(
            "`objects_to_skip` only supports loading '.weights.h5' files. "
            f"Received: {path}"
        )
    if path.endswith((".keras", ".weights.h5", ".weights.json")) and \
            by_name is not None:
        raise ValueError(
            "`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
            f"Received: {path}"
        )
    # Sharded variables (ModelParallel) each keep their shard of the file's.
    with distributed.loading(model):
        _read_weights(model, path, skip_mismatch, by_name, objects_to_skip)


def _read_weights(model, path, skip_mismatch, by_name, objects_to_skip):
    if path.endswith(".keras"):
        with _naming_the_file(path):
            keras_zip.load_weights(model, path, skip_mismatch=skip_mismatch)
    elif path.endswith(".weights.h5"):
        with _naming_the_file(path):
            weights_h5.load_weights(model, path, skip_mismatch=skip_mismatch,
                                    objects_to_skip=objects_to_skip)
    elif path.endswith(".weights.json"):
        with _naming_the_file(path):
            sharded_weights.load_weights(
                model, path, skip_mismatch=skip_mismatch,
                objects_to_skip=objects_to_skip)
    elif path.endswith(_LEGACY_SUFFIXES):
        if not os.path.exists(path):
            raise FileNotFoundError(f"No such weights file: '{path}'.")
        with _naming_the_file(path):
            legacy_h5.load_weights_from_hdf5(
                model, path, by_name=bool(by_name),
                skip_mismatch=skip_mismatch)
    else:
        raise ValueError(
            f"File format not supported: filepath={path}. Lamina, like "
            "Keras 3, loads weights from `.keras` files, `.weights.h5` files "
            "(or sharded `.weights.json` ones) and legacy H5 files (`.h5` "
            "extension)."
        )
