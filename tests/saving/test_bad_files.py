"""Bad files, in every format: each gives one of `saving_api.LOAD_ERRORS`
whose message names the file and the problem, writes nothing outside the
target and runs no code from the file."""

import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import load_model
from lamina.saving import saving_api

SENTINEL = "code_ran.txt"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty current folder; on exit, checks that loading wrote nothing
    (beside the files the test made itself) anywhere below `tmp_path`, and
    that no code from a file ran (it would create SENTINEL)."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    made = set()

    def snapshot():
        return {os.path.relpath(os.path.join(root, name), tmp_path)
                for root, dirs, files in os.walk(tmp_path)
                for name in files + dirs}

    class Work:
        path = folder

        def file(self, name, data=None):
            """A path in the folder (written with `data` when given),
            recorded as made by the test."""
            target = folder / name
            if data is not None:
                target.write_bytes(data)
            made.add(name)
            return str(target)

        def settle(self):
            self.before = snapshot()

    work = Work()
    work.settle()
    yield work
    after = snapshot()
    created = after - work.before
    assert not created, f"loading wrote {sorted(created)}"
    assert not any(SENTINEL in name for name in after)


def _model(units=3, use_bias=True):
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(units, use_bias=use_bias, name="first"),
        layers.Dense(2, name="second"),
    ])
    model.compile("adam", "mse")
    return model


def _written(work, suffix):
    """A valid file written by Lamina in the format of `suffix`."""
    model = _model()
    path = work.file("valid" + suffix)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy-format warning
        if suffix == ".weights.h5":
            model.save_weights(path)
        else:
            model.save(path)
    return path


def _load(path):
    """Loads `path` the way its format is loaded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.endswith(".weights.h5") or ".weights-only" in path:
            _model().load_weights(path)
        else:
            load_model(path)


def _assert_clean_error(path, match):
    with pytest.raises(saving_api.LOAD_ERRORS) as info:
        _load(path)
    message = str(info.value)
    assert os.path.basename(path) in message, message
    assert any(m.lower() in message.lower() for m in match), message
    return info.value


SUFFIXES = [".keras", ".weights.h5", ".h5"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_zero_byte_file(workdir, suffix):
    path = workdir.file("empty" + suffix, b"")
    workdir.settle()
    _assert_clean_error(path, ["not a valid", "not a readable",
                               "not a zip", "empty"])


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_file(workdir, suffix, fraction):
    data = open(_written(workdir, suffix), "rb").read()
    path = workdir.file("cut" + suffix, data[:int(len(data) * fraction)])
    workdir.settle()
    _assert_clean_error(path, ["not a valid", "not a readable", "damaged",
                               "truncated", "not a zip"])


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("content", ["png", "text", "other"])
def test_wrong_format(workdir, suffix, content):
    if content == "png":
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    elif content == "text":
        data = b'{"class_name": "Sequential"}\n' * 20
    else:
        # A zip where HDF5 belongs, HDF5 where a zip belongs.
        other = ".h5" if suffix == ".keras" else ".keras"
        data = open(_written(workdir, other), "rb").read()
    path = workdir.file("foreign" + suffix, data)
    workdir.settle()
    _assert_clean_error(path, ["not a valid", "not a readable", "damaged",
                               "not a zip", "format"])


def _data_offset(h5_path):
    """Where the largest dataset's bytes are stored in an HDF5 file."""
    with h5py.File(h5_path, "r") as file:
        found = []
        file.visititems(lambda name, item: found.append(item)
                        if isinstance(item, h5py.Dataset) else None)
        largest = max(found, key=lambda d: d.size)
        if largest.chunks:
            info = largest.id.get_chunk_info(0)
            return info.byte_offset, info.size
        return largest.id.get_offset(), largest.id.get_storage_size()


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_flipped_weight_bytes_in_lamina_files_are_caught(workdir, suffix):
    """Lamina writes datasets with the Fletcher32 checksum: damage inside
    the weights is found, not loaded silently."""
    source = _written(workdir, suffix)
    with h5py.File(source, "r") as file:
        checked = []
        file.visititems(lambda name, item: checked.append(item.fletcher32)
                        if isinstance(item, h5py.Dataset) and item.size > 1
                        else None)
    assert checked and all(checked)
    data = bytearray(open(source, "rb").read())
    offset, size = _data_offset(source)
    data[offset + size // 2] ^= 0x40
    path = workdir.file("flipped" + suffix, bytes(data))
    workdir.settle()
    _assert_clean_error(path, ["damaged", "checksum", "filter", "can't read"])


def test_corrupted_zip_member_is_caught(workdir):
    source = _written(workdir, ".keras")
    data = bytearray(open(source, "rb").read())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("config.json")
    # Inside config.json's stored bytes: the zip's CRC-32 no longer matches.
    data[info.header_offset + 30 + len(info.filename) + 10] ^= 0x01
    path = workdir.file("crc.keras", bytes(data))
    workdir.settle()
    _assert_clean_error(path, ["damaged", "crc", "not valid json"])


# -- Zip members and configs --------------------------------------------------

def _rewrite(source, target, edit_config=None, extra=None):
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    if edit_config is not None:
        config = json.loads(members["config.json"])
        edit_config(config)
        members["config.json"] = json.dumps(config).encode()
    members.update(extra or {})
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


@pytest.mark.parametrize("member", [
    "assets/../../escaped.txt", "assets/../../../escaped.txt",
    "assets//tmp/escaped_absolute.txt",
])
def test_zip_members_climbing_out_are_refused(workdir, member):
    source = _written(workdir, ".keras")
    path = _rewrite(source, workdir.file("evil.keras"),
                    extra={member: b"boom"})
    workdir.settle()
    _assert_clean_error(path, ["leaves the assets folder"])
    assert not os.path.exists("/tmp/escaped_absolute.txt")


def test_other_members_outside_assets_are_never_extracted(workdir):
    source = _written(workdir, ".keras")
    path = _rewrite(source, workdir.file("extra.keras"),
                    extra={"../../outside.txt": b"boom", "/abs.txt": b"x"})
    workdir.settle()
    # Members the format does not know are ignored, not written anywhere.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(path)
    assert [layer.name for layer in model.layers] == ["first", "second"]


_FOREIGN_CLASSES = [
    {"module": "os", "class_name": "system",
     "config": {"command": f"touch {SENTINEL}"}},
    {"module": "builtins", "class_name": "eval",
     "config": {"source": f"open('{SENTINEL}', 'w')"}},
    {"module": "subprocess", "class_name": "Popen",
     "config": {"args": ["touch", SENTINEL]}},
    {"module": None, "class_name": "os.system", "config": {}},
    {"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}},
]


@pytest.mark.parametrize("entry", _FOREIGN_CLASSES,
                         ids=lambda e: f"{e['module']}.{e['class_name']}")
def test_config_naming_a_non_keras_class(workdir, entry):
    source = _written(workdir, ".keras")

    def edit(config):
        config["config"]["layers"][1] = {**entry, "registered_name": None}

    path = _rewrite(source, workdir.file("foreign_class.keras"), edit)
    workdir.settle()
    _assert_clean_error(path, [f"'{entry['class_name']}'"])


@pytest.mark.parametrize("entry", _FOREIGN_CLASSES[:3],
                         ids=lambda e: f"{e['module']}.{e['class_name']}")
def test_legacy_h5_config_naming_a_non_keras_class(workdir, entry):
    source = _written(workdir, ".h5")
    path = workdir.file("foreign_class.h5", open(source, "rb").read())
    with h5py.File(path, "r+") as file:
        config = json.loads(file.attrs["model_config"])
        config["config"]["layers"][1] = entry
        file.attrs["model_config"] = json.dumps(config)
    workdir.settle()
    _assert_clean_error(path, [entry["class_name"]])


def test_json_naming_a_non_keras_class(workdir):
    config = json.loads(_model().to_json())
    config["config"]["layers"][1] = _FOREIGN_CLASSES[0]
    with pytest.raises(saving_api.LOAD_ERRORS, match="'system'"):
        lamina.models.model_from_json(json.dumps(config))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_bytecode_is_not_run_in_safe_mode(workdir, suffix):
    # A lambda is saved as bytecode (a named function only by its name).
    model = lamina.Sequential([lamina.Input((2,)), layers.Lambda(
        lambda x: (open("code_ran.txt", "w").close(), x)[1],
        name="toucher")])
    path = workdir.file("lambda" + suffix)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    if os.path.exists(SENTINEL):
        os.remove(SENTINEL)  # saving traced the function once
    workdir.settle()
    error = _assert_clean_error(path, ["safe_mode"])
    assert "toucher" in str(error)


def test_dtype_policy_class_name_edited(workdir):
    source = _written(workdir, ".keras")

    def edit(config):
        config["config"]["layers"][1]["config"]["dtype"]["class_name"] = \
            "QuantizationModeIsNotHere"

    path = _rewrite(source, workdir.file("policy.keras"), edit)
    workdir.settle()
    _assert_clean_error(path, ["Invalid dtype policy config"])


@pytest.mark.parametrize("entry", ["dense", 3, None, ["Dense"]])
def test_layer_entry_of_the_wrong_kind(workdir, entry):
    source = _written(workdir, ".keras")

    def edit(config):
        config["config"]["layers"][1] = entry

    path = _rewrite(source, workdir.file("string_layer.keras"), edit)
    workdir.settle()
    _assert_clean_error(path, ["could not", "malformed", "expected"])


def test_layers_list_of_the_wrong_kind_in_legacy_h5(workdir):
    source = _written(workdir, ".h5")
    path = workdir.file("string_layers.h5", open(source, "rb").read())
    with h5py.File(path, "r+") as file:
        config = json.loads(file.attrs["model_config"])
        config["config"]["layers"] = "dense"
        file.attrs["model_config"] = json.dumps(config)
    workdir.settle()
    _assert_clean_error(path, ["could not", "malformed"])


# -- Weights that do not fit ------------------------------------------------

@pytest.mark.parametrize("suffix", [".weights.h5", ".keras", ".h5"])
def test_weights_of_the_wrong_shape(workdir, suffix):
    path = _written(workdir, suffix)
    workdir.settle()
    with pytest.raises(ValueError) as info:
        _model(units=5).load_weights(path)
    message = str(info.value)
    assert os.path.basename(path) in message
    assert "first" in message and "(4, 5)" in message and "(4, 3)" in message


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras", ".h5"])
def test_weights_of_the_wrong_count(workdir, suffix):
    path = _written(workdir, suffix)
    workdir.settle()
    with pytest.raises(ValueError) as info:
        _model(use_bias=False).load_weights(path)
    message = str(info.value)
    assert os.path.basename(path) in message
    assert "first" in message


def test_model_with_fewer_layers_than_the_file(workdir):
    path = _written(workdir, ".h5")
    workdir.settle()
    small = lamina.Sequential([lamina.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError) as info:
        small.load_weights(path)
    assert os.path.basename(path) in str(info.value)
    assert "layer" in str(info.value)


def test_loaded_weights_unchanged_after_a_failed_load(workdir):
    """A rejected file leaves the model as it was."""
    path = _written(workdir, ".weights.h5")
    workdir.settle()
    model = _model(units=5)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError):
        model.load_weights(path)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)
