"""The `.keras` file: a zip of `metadata.json`, `config.json`,
`model.weights.h5` and `assets/` (or the same members in a folder when
saved with `zipped=False`).

Members are stored uncompressed, in Keras's order. Reading never extracts
anything but `assets/` members, and only below a private temporary folder:
a member whose name climbs out of it (`../`, an absolute path) is refused.
"""

import datetime
import io
import json
import os
import shutil
import tempfile
import zipfile

import h5py

# The families whose classes a config may name register on import.
import lamina.activations  # noqa: F401
import lamina.constraints  # noqa: F401
import lamina.initializers  # noqa: F401
import lamina.layers  # noqa: F401
import lamina.losses  # noqa: F401
import lamina.metrics  # noqa: F401
import lamina.optimizers  # noqa: F401
import lamina.regularizers  # noqa: F401
from lamina.saving import file_io
from lamina.saving import keras2_config
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.saving import state_tree
from lamina.saving.formats import weights_h5

# The Keras release whose formats and API Lamina follows.
KERAS_VERSION = "3.15.1"

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
ASSETS = "assets"

# A member may expand at most this much (Keras writes them uncompressed).
_MAX_EXPANSION = 100
_BOMB_FLOOR = 1 << 30


class _AssetsFolder:
    """Each object's assets go to `<root>/<its path>/`."""

    def __init__(self, root):
        self.root = root

    def make(self, path):
        folder = os.path.join(self.root, *path.split("/")) if path \
            else self.root
        os.makedirs(folder, exist_ok=True)
        return folder

    def get(self, path):
        return os.path.join(self.root, *path.split("/")) if path \
            else self.root


def _metadata_json():
    return json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })


def _config_json(model):
    try:
        return json.dumps(serialization.serialize_keras_object(model))
    except TypeError as error:
        raise TypeError(
            f"Could not save model '{getattr(model, 'name', model)}': its "
            f"config is not JSON-serializable ({error}). Make sure every "
            "custom layer's `get_config()` returns plain values."
        ) from error


def _weights_bytes(model, filename, include_optimizer):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5_file:
        weights_h5.write_weights(model, h5_file, filename,
                                 skip_optimizer=not include_optimizer)
    return buffer.getvalue()


def _save_assets(model, folder):
    state_tree.save_state(model, None, _AssetsFolder(folder))


def save_model(model, filepath, zipped=True, include_optimizer=True):
    """Writes `model` as a `.keras` zip (or a folder when not `zipped`)."""
    filepath = os.fspath(filepath)
    config_json = _config_json(model)
    weights = _weights_bytes(model, filepath, include_optimizer)
    with tempfile.TemporaryDirectory() as assets_dir:
        _save_assets(model, assets_dir)
        if zipped:
            with file_io.atomic_path(filepath) as temp_path:
                with zipfile.ZipFile(temp_path, "w",
                                     zipfile.ZIP_STORED) as archive:
                    archive.writestr(METADATA, _metadata_json())
                    archive.writestr(CONFIG, config_json)
                    archive.writestr(WEIGHTS, weights)
                    for name, path in _asset_files(assets_dir):
                        archive.write(path, f"{ASSETS}/{name}")
        else:
            _write_folder(filepath, config_json, weights, assets_dir)


def _asset_files(root):
    for folder, _, files in sorted(os.walk(root)):
        for filename in sorted(files):
            path = os.path.join(folder, filename)
            yield os.path.relpath(path, root).replace(os.sep, "/"), path


def _write_folder(filepath, config_json, weights, assets_dir):
    parent = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="." + os.path.basename(filepath) + ".",
                               dir=parent)
    try:
        for name, data in ((METADATA, _metadata_json()),
                           (CONFIG, config_json), (WEIGHTS, weights)):
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(os.path.join(staging, name), mode) as f:
                f.write(data)
        if any(True for _ in _asset_files(assets_dir)):
            shutil.copytree(assets_dir, os.path.join(staging, ASSETS))
        if os.path.isdir(filepath):
            old = staging + ".old"
            os.replace(filepath, old)
            os.replace(staging, filepath)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, filepath)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# ---------------------------------------------------------------- reading


class _Archive:
    """Uniform read access to a `.keras` zip or folder."""

    def __init__(self, filepath):
        self.filepath = filepath
        self.zip = None
        if os.path.isdir(filepath):
            if not os.path.isfile(os.path.join(filepath, CONFIG)):
                raise ValueError(
                    f"'{filepath}' is a folder without a `{CONFIG}`, so it "
                    "is not a model saved with `zipped=False`."
                )
            return
        if not os.path.exists(filepath):
            raise FileNotFoundError(
                f"File not found: filepath={filepath}. Please ensure the "
                "file is an accessible `.keras` zip file."
            )
        try:
            self.zip = zipfile.ZipFile(filepath, "r")
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise ValueError(
                f"'{filepath}' is not a valid `.keras` file (a zip archive): "
                f"{error}"
            ) from error

    def close(self):
        if self.zip is not None:
            self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def names(self):
        if self.zip is None:
            return [os.path.relpath(path, self.filepath).replace(os.sep, "/")
                    for _, path in _asset_files(self.filepath)]
        return self.zip.namelist()

    def read(self, name):
        if self.zip is None:
            path = os.path.join(self.filepath, name)
            if not os.path.isfile(path):
                raise ValueError(
                    f"'{self.filepath}' has no `{name}`; it is not a complete "
                    "saved model.")
            with open(path, "rb") as f:
                return f.read()
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise ValueError(
                f"'{self.filepath}' has no `{name}` member; it is not a "
                f"complete `.keras` file. Members: {self.zip.namelist()[:20]}"
            ) from None
        if info.file_size > _BOMB_FLOOR and \
                info.file_size > _MAX_EXPANSION * max(info.compress_size, 1):
            raise ValueError(
                f"Refusing to read `{name}` from '{self.filepath}': it claims "
                f"{info.file_size} bytes from {info.compress_size} stored."
            )
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError,
                NotImplementedError) as error:
            raise ValueError(
                f"Could not read `{name}` from '{self.filepath}' (the archive "
                f"is damaged): {error}"
            ) from error

    def read_json(self, name):
        data = self.read(name)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError(
                f"`{name}` in '{self.filepath}' is not valid JSON: {error}"
            ) from error

    def extract_assets(self, target):
        """Copies the `assets/` members below `target`; returns whether any
        existed. Names that would land outside `target` are refused."""
        prefix = ASSETS + "/"
        found = False
        root = os.path.realpath(target)
        for name in self.names():
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            relative = name[len(prefix):]
            destination = os.path.realpath(os.path.join(root, relative))
            if os.path.isabs(relative) or not destination.startswith(
                root + os.sep
            ):
                raise ValueError(
                    f"Refusing to extract member '{name}' of "
                    f"'{self.filepath}': its path leaves the assets folder."
                )
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with open(destination, "wb") as f:
                f.write(self.read(name) if self.zip is not None else
                        _read_file(os.path.join(self.filepath, name)))
            found = True
        return found


def _read_file(path):
    with open(path, "rb") as f:
        return f.read()


def model_from_config(config, custom_objects=None, compile=True,
                      safe_mode=True, filepath="<config>"):
    """Rebuilds (and compiles, when asked) the model of a `config.json`."""
    if not isinstance(config, dict) or not isinstance(
        config.get("class_name"), str
    ):
        raise ValueError(
            f"The model config in '{filepath}' must be a JSON object with a "
            f"'class_name'. Received: {str(config)[:200]}"
        )
    config = dict(config)
    if not compile:
        config["compile_config"] = None
    try:
        with object_registration.CustomObjectScope(custom_objects):
            return serialization.deserialize_keras_object(
                config, custom_objects=custom_objects, safe_mode=safe_mode)
    except (ValueError, TypeError) as error:
        raise type(error)(
            f"Could not rebuild the model saved in '{filepath}': {error}"
        ) from error
    except (AttributeError, KeyError, IndexError, RuntimeError) as error:
        # RuntimeError: torch refusing the shapes a malformed config gives.
        raise ValueError(
            f"The model config in '{filepath}' is malformed "
            f"({type(error).__name__}: {error})."
        ) from error


def open_archive(filepath):
    """A `.keras` zip or folder, for `read`, `read_json` and
    `open_weights`; use it in a `with` block."""
    return _Archive(os.fspath(filepath))


def open_weights(archive):
    """The archive's `model.weights.h5`, opened (in memory) with h5py."""
    weights = archive.read(WEIGHTS)
    try:
        return h5py.File(io.BytesIO(weights), "r")
    except (OSError, ValueError) as error:
        raise ValueError(
            f"`{WEIGHTS}` in '{archive.filepath}' is not a readable HDF5 "
            f"file: {error}"
        ) from error


def _load_state(model, archive, skip_mismatch, filepath):
    h5_file = open_weights(archive)
    with h5_file, tempfile.TemporaryDirectory() as assets_dir:
        archive.extract_assets(assets_dir)
        weights_h5.read_weights(
            model, h5_file, f"{filepath}/{WEIGHTS}",
            skip_mismatch=skip_mismatch,
            assets_store=_AssetsFolder(assets_dir),
        )


def _written_by_keras_2(archive):
    """Keras 2.13-2.15 (tf.keras, tf_keras) wrote `.keras` files too."""
    try:
        metadata = archive.read_json(METADATA)
    except ValueError:
        return False  # metadata is informational; a missing one is fine
    version = metadata.get("keras_version") if isinstance(metadata, dict) \
        else None
    return isinstance(version, str) and version.startswith("2.")


# `compile()` arguments tf.keras recorded as None when left at their
# defaults, and TF-only ones Keras 3 dropped.
_KERAS_2_COMPILE_DEFAULTS = ("run_eagerly", "steps_per_execution",
                             "jit_compile")
_KERAS_2_COMPILE_ONLY = ("pss_evaluation_shards",)


def _from_keras_2(config):
    config = keras2_config.translate_model_config(config)
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict):
        compile_config = {
            key: value for key, value in compile_config.items()
            if key not in _KERAS_2_COMPILE_ONLY and not (
                key in _KERAS_2_COMPILE_DEFAULTS and value is None)
        }
        if isinstance(compile_config.get("optimizer"), dict):
            compile_config["optimizer"] = \
                keras2_config.translate_optimizer_config(
                    compile_config["optimizer"])
        config["compile_config"] = compile_config
    return config


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Reads a `.keras` file (or folder) written by Keras 3, Keras 2.13+ or
    Lamina."""
    filepath = os.fspath(filepath)
    with _Archive(filepath) as archive:
        config = archive.read_json(CONFIG)
        if _written_by_keras_2(archive) and isinstance(config, dict):
            try:
                config = _from_keras_2(config)
            except ValueError as error:
                raise ValueError(f"'{filepath}': {error}") from error
        model = model_from_config(config, custom_objects, compile,
                                  safe_mode, filepath)
        _load_state(model, archive, False, filepath)
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """Reads only the weights (and optimizer state) of a `.keras` file."""
    filepath = os.fspath(filepath)
    with _Archive(filepath) as archive:
        _load_state(model, archive, skip_mismatch, filepath)


def is_keras_archive(filepath):
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        return os.path.isfile(os.path.join(filepath, CONFIG))
    return zipfile.is_zipfile(filepath) if os.path.isfile(filepath) else False
