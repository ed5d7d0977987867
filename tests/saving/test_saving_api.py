"""`save_model`/`load_model`/`save_weights`/`load_weights`: dispatch by file
name, Keras's errors, overwrite prompts, folders, optimizer state, safety."""

import builtins
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.saving import load_model
from lamina.saving import save_model


def small_model(units=3, compiled=True):
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(units, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(2),
    ])
    if compiled:
        model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="mse",
                      metrics=["mae"])
    return model


def xy(n=16):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, 4)).astype("float32"),
            rng.normal(size=(n, 2)).astype("float32"))


def trained_model():
    model = small_model()
    x, y = xy()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    return model


def assert_same_outputs(a, b):
    x, _ = xy()
    np.testing.assert_array_equal(a.predict(x, verbose=0),
                                  b.predict(x, verbose=0))


def test_seed_pattern_save_delete_load(tmp_path):
    model = trained_model()
    expected = model.predict(xy()[0], verbose=0)
    path = str(tmp_path / "my_model.keras")
    model.save(path)
    del model
    model = lamina.models.load_model(path)
    np.testing.assert_array_equal(model.predict(xy()[0], verbose=0), expected)
    assert int(model.optimizer.iterations) == 4
    assert model.compiled and model.loss == "mse"


def test_saved_training_continues_exactly(tmp_path):
    x, y = xy()
    model = trained_model()
    path = tmp_path / "m.keras"  # a pathlib.Path works too
    lamina.models.save_model(model, path)
    loaded = load_model(path)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.weights, loaded.weights):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_learning_rate_schedule_and_iterations_restored(tmp_path):
    schedule = lamina.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=2, decay_rate=0.5)
    model = small_model(compiled=False)
    model.compile(optimizer=lamina.optimizers.SGD(schedule, momentum=0.9),
                  loss="mse")
    x, y = xy()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "s.keras")
    loaded = load_model(tmp_path / "s.keras")
    restored = loaded.optimizer
    assert isinstance(restored.get_config()["learning_rate"], dict)
    assert int(restored.iterations) == 4
    assert float(restored.learning_rate) == pytest.approx(0.1 * 0.5 ** 2)
    for a, b in zip(model.optimizer.variables, restored.variables):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_members_and_metadata_follow_keras(tmp_path):
    path = tmp_path / "m.keras"
    trained_model().save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(info.compress_type == zipfile.ZIP_STORED
                   for info in archive.infolist())
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert sorted(metadata) == ["date_saved", "keras_version"]
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_unzipped_folder(tmp_path):
    model = trained_model()
    path = str(tmp_path / "folder_model")
    model.save(path, zipped=False)
    assert sorted(os.listdir(path)) == ["config.json", "metadata.json",
                                        "model.weights.h5"]
    assert_same_outputs(model, load_model(path))
    model.save(path, zipped=False)  # overwriting a folder
    assert_same_outputs(model, load_model(path))


def test_include_optimizer_false_leaves_the_state_out(tmp_path):
    path = tmp_path / "m.keras"
    model = trained_model()
    model.save(path, include_optimizer=False)
    with zipfile.ZipFile(path) as archive, h5py.File(
        archive.open("model.weights.h5"), "r"
    ) as f:
        assert "optimizer" not in f
    loaded = load_model(path)
    assert int(loaded.optimizer.iterations) == 0
    assert_same_outputs(model, loaded)


def test_weights_file_round_trip_and_layout(tmp_path):
    model = trained_model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert f["layers/dense/vars"].attrs["name"] == "dense"
        assert f["layers/dense/vars/0"].shape == (4, 3)
        assert f["layers/batch_normalization/vars/3"].shape == (3,)
        assert f["optimizer/vars/0"].shape == ()
        assert f["layers/dense/vars/0"].fletcher32
        assert f["vars"].attrs["name"] == model.name
    other = small_model()
    other.load_weights(path)
    assert_same_outputs(model, other)


def test_damaged_checksummed_dataset_is_caught(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    trained_model().save_weights(path)
    with h5py.File(path, "r") as f:
        # Checksummed datasets are chunked: damage the first chunk's data.
        offset = f["layers/dense/vars/0"].id.get_chunk_info(0).byte_offset
    with open(path, "r+b") as f:
        f.seek(offset + 8)
        byte = f.read(1)
        f.seek(offset + 8)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ValueError, match=r"w\.weights\.h5"):
        small_model().load_weights(path)


def test_subclassed_model_round_trip(tmp_path):
    @lamina.saving.register_keras_serializable(package="api_test")
    class Blocks(lamina.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = layers.Dense(3)
            self.blocks = [layers.Dense(3), layers.Dense(2)]

        def call(self, x):
            x = self.first(x)
            for block in self.blocks:
                x = block(x)
            return x

    model = Blocks()
    model.compile(optimizer="adam", loss="mse")
    x, y = xy()
    model.fit(x, y, verbose=0)
    path = str(tmp_path / "sub.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert f["blocks/dense/vars/0"].shape == (3, 3)
        assert f["blocks/dense_1/vars/0"].shape == (3, 2)
        assert f["first/vars/0"].shape == (4, 3)
    model.save(tmp_path / "sub.keras")
    loaded = load_model(tmp_path / "sub.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  loaded.predict(x, verbose=0))


# ------------------------------------------------------------ errors


def test_save_with_an_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        small_model().save(str(tmp_path / "m.pt"))
    assert os.listdir(tmp_path) == []


def test_save_format_argument(tmp_path):
    with pytest.raises(ValueError, match="save_format"):
        small_model().save(str(tmp_path / "m"), save_format="tf")
    with pytest.warns(UserWarning, match="save_format"):
        small_model().save(str(tmp_path / "m.keras"), save_format="keras")


def test_unknown_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not supported"):
        save_model(small_model(), str(tmp_path / "m.keras"), compress=True)
    with pytest.raises(ValueError, match="Invalid keyword"):
        small_model().load_weights(str(tmp_path / "m.keras"), strict=True)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        load_model(str(tmp_path / "absent.keras"))
    with pytest.raises(ValueError, match="File format not supported"):
        load_model(str(tmp_path / "model.pb"))
    with pytest.raises(FileNotFoundError, match="absent.weights.h5"):
        small_model().load_weights(str(tmp_path / "absent.weights.h5"))
    with pytest.raises(ValueError, match="File format not supported"):
        small_model().load_weights(str(tmp_path / "w.npz"))


def test_save_weights_name_must_end_in_weights_h5(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        small_model().save_weights(str(tmp_path / "w.h5x"))
    with pytest.raises(ValueError, match=r"\.weights\.json"):
        small_model().save_weights(str(tmp_path / "w.h5"), max_shard_size=1)


def test_by_name_only_for_legacy_files(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    small_model().save_weights(path)
    with pytest.raises(ValueError, match="by_name"):
        small_model().load_weights(path, by_name=True)


def test_empty_and_foreign_files(tmp_path):
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.keras"):
        load_model(str(empty))
    text = tmp_path / "text.weights.h5"
    text.write_text("not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        small_model().load_weights(str(text))


def test_overwrite_false_asks(tmp_path, monkeypatch):
    path = str(tmp_path / "m.keras")
    first = trained_model()
    first.save(path)
    before = open(path, "rb").read()
    answers = iter(["maybe", "n"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    small_model().save(path, overwrite=False)
    assert open(path, "rb").read() == before
    monkeypatch.setattr(builtins, "input", lambda prompt="": "y")
    second = small_model()
    second.save(path, overwrite=False)
    assert_same_outputs(second, load_model(path))


def test_wrong_shapes_raise_or_skip(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    small_model(units=3).save_weights(path)
    target = small_model(units=5)
    with pytest.raises(ValueError, match=r"dense.*shape \(4, 5\).*\(4, 3\)"):
        target.load_weights(path)
    with pytest.warns(UserWarning, match="Skipped loading"):
        target.load_weights(path, skip_mismatch=True)


def test_wrong_weight_count(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    small_model().save_weights(path)
    without_bias = lamina.Sequential([
        lamina.Input((4,)), layers.Dense(3, use_bias=False),
        layers.BatchNormalization(), layers.Dense(2)])
    with pytest.raises(ValueError, match="expected 1 variables"):
        without_bias.load_weights(path)


def _rewrite_config(source, target, edit):
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("module,class_name", [
    ("keras.layers", "NoSuchLayer"), ("subprocess", "Popen"),
    ("builtins", "eval"),
])
def test_config_naming_an_unknown_class(tmp_path, module, class_name):
    source, target = tmp_path / "m.keras", str(tmp_path / "bad.keras")
    small_model().save(source)

    def edit(config):
        layer = config["config"]["layers"][1]
        layer["module"], layer["class_name"] = module, class_name
        layer["registered_name"] = None

    _rewrite_config(source, target, edit)
    with pytest.raises(TypeError, match=f"bad.keras.*'{class_name}'"):
        load_model(target)


def test_lambda_bytecode_refused_in_safe_mode(tmp_path):
    calls = []
    model = lamina.Sequential([
        lamina.Input((3,)),
        layers.Lambda(lambda x: calls.append(1) or x * 2, name="double"),
    ])
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    calls.clear()
    with pytest.raises(ValueError, match=r"lambda\.keras.*'double'.*safe_mode"):
        load_model(path)
    assert calls == []
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_array_equal(
        loaded.predict(np.ones((1, 3), "float32"), verbose=0), [[2, 2, 2]])


def test_zip_member_climbing_out_is_refused(tmp_path):
    source, target = tmp_path / "m.keras", str(tmp_path / "evil.keras")
    small_model().save(source)
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["assets/../../escaped.txt"] = b"boom"
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="leaves the assets folder"):
        load_model(target)
    assert not os.path.exists(tmp_path / "escaped.txt")
    assert not os.path.exists(os.path.join(os.path.dirname(str(tmp_path)),
                                           "escaped.txt"))


def test_missing_member(tmp_path):
    path = str(tmp_path / "partial.keras")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match="config.json"):
        load_model(path)


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = str(tmp_path / "m.keras")
    model = trained_model()
    model.save(path)
    before = open(path, "rb").read()

    class Unsaveable(layers.Layer):
        def get_config(self):
            return {**super().get_config(), "value": object()}

        def call(self, x):
            return x

    broken = lamina.Sequential([lamina.Input((4,)), Unsaveable()])
    with pytest.raises(TypeError):
        broken.save(path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_legacy_h5_names_dispatch_to_the_legacy_format(tmp_path):
    model = trained_model()
    path = str(tmp_path / "my_model.h5")
    with pytest.warns(UserWarning, match="legacy"):
        model.save(path)
    with h5py.File(path, "r") as f:
        assert "model_config" in f.attrs and "model_weights" in f
    del model
    model = load_model(path)
    assert int(model.optimizer.iterations) == 4
    other = small_model()
    other.load_weights(path)
    other.load_weights(path, by_name=True)
    assert_same_outputs(model, other)
    with pytest.raises(FileNotFoundError, match="absent.h5"):
        load_model(str(tmp_path / "absent.h5"))


def test_compile_state_restored_for_several_outputs(tmp_path):
    inputs = lamina.Input((4,))
    hidden = layers.Dense(5, activation="relu")(inputs)
    model = lamina.Model(inputs, {
        "score": layers.Dense(1, name="score")(hidden),
        "label": layers.Dense(3, activation="softmax", name="label")(hidden),
    })
    model.compile(
        optimizer=lamina.optimizers.RMSprop(0.01),
        loss={"score": "mse", "label": "sparse_categorical_crossentropy"},
        loss_weights={"score": 0.5, "label": 2.0},
        metrics={"label": ["accuracy"], "score": ["mae"]},
    )
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = {"score": rng.normal(size=(16, 1)).astype("float32"),
         "label": rng.integers(0, 3, size=(16,))}
    model.fit(x, y, batch_size=4, verbose=0)
    model.save(tmp_path / "multi.keras")
    loaded = load_model(tmp_path / "multi.keras")
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    restored = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(restored) == sorted(expected)
    for key in expected:
        assert restored[key] == pytest.approx(expected[key], abs=1e-6)
    config = loaded.get_compile_config()
    assert config["loss_weights"] == {"score": 0.5, "label": 2.0}
    assert config["optimizer"]["class_name"] == "RMSprop"


def test_custom_objects_by_scope_and_argument(tmp_path):
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    model = lamina.Sequential([lamina.Input((3,)), Doubler(name="doubler")])
    path = str(tmp_path / "custom.keras")
    model.save(path)
    with pytest.raises(TypeError, match="Doubler"):
        load_model(path)
    with lamina.saving.custom_object_scope({"Doubler": Doubler}):
        scoped = load_model(path)
    passed = load_model(path, custom_objects={"Doubler": Doubler})
    for loaded in (scoped, passed):
        assert isinstance(loaded.layers[0], Doubler)


def test_keras_2_15_layer_group_name_is_read(tmp_path):
    model = trained_model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        f.move("layers", "_layer_checkpoint_dependencies")
    other = small_model()
    other.load_weights(path)
    assert_same_outputs(model, other)


def test_unzipped_names_and_unbuilt_models(tmp_path):
    with pytest.raises(ValueError, match="should not end in `.keras`"):
        trained_model().save(str(tmp_path / "m.keras"), zipped=False)
    unbuilt = lamina.Sequential([layers.Dense(2)])
    with pytest.warns(UserWarning, match="not yet been built"):
        unbuilt.save(str(tmp_path / "unbuilt.keras"))
    assert not load_model(str(tmp_path / "unbuilt.keras")).built


def test_folders_move_both_ways_with_keras(keras_ref, tmp_path):
    theirs = keras_ref.Sequential([keras_ref.Input((3,)),
                                   keras_ref.layers.Dense(2)])
    theirs.save(str(tmp_path / "keras_folder"), zipped=False)
    ours = load_model(str(tmp_path / "keras_folder"))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(ours.predict(x, verbose=0)),
        keras_ref.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
        atol=1e-6)
    ours.save(str(tmp_path / "lamina_folder"), zipped=False)
    again = keras_ref.saving.load_model(str(tmp_path / "lamina_folder"))
    np.testing.assert_allclose(
        keras_ref.ops.convert_to_numpy(again.predict(x, verbose=0)),
        np.asarray(ours.predict(x, verbose=0)), atol=1e-6)


def test_custom_compile_is_not_called_on_loading(tmp_path):
    @lamina.saving.register_keras_serializable(package="api_test")
    class OwnCompile(lamina.Sequential):
        def compile(self, learning_rate=0.1, **kwargs):
            super().compile(optimizer=lamina.optimizers.SGD(learning_rate),
                            loss="mse")

    model = OwnCompile([lamina.Input((3,)), layers.Dense(2)])
    model.compile(learning_rate=0.5)
    path = str(tmp_path / "own.keras")
    model.save(path)
    with pytest.warns(UserWarning, match="`compile\\(\\)` was not called"):
        loaded = load_model(path)
    assert not loaded.compiled


def test_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / "m.keras")
    trained_model().save(path)
    before = open(path, "rb").read()
    weights_path = str(tmp_path / "w.weights.h5")
    trained_model().save_weights(weights_path)
    weights_before = open(weights_path, "rb").read()

    original = zipfile.ZipFile.writestr

    def interrupted(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise KeyboardInterrupt("killed mid-save")
        return original(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        small_model().save(path)
    monkeypatch.undo()

    def failing_save(self, store):
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(lamina.optimizers.Optimizer, "save_own_variables",
                        failing_save)
    with pytest.raises(KeyboardInterrupt):
        trained_model().save_weights(weights_path)
    assert open(path, "rb").read() == before
    assert open(weights_path, "rb").read() == weights_before
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "w.weights.h5"]


def test_objects_to_skip_and_unbuilt_models(tmp_path):
    model = trained_model()
    path = str(tmp_path / "w.weights.h5")
    lamina.saving.save_weights(model, path, objects_to_skip=[model.optimizer,
                                                             model.layers[0]])
    with h5py.File(path, "r") as f:
        assert "optimizer" not in f and "dense" not in f["layers"]
        assert "dense_1" in f["layers"]
    full = str(tmp_path / "full.weights.h5")
    model.save_weights(full)
    target = small_model()
    kept = target.layers[2].get_weights()
    target.load_weights(full, objects_to_skip=[target.layers[2]])
    for a, b in zip(target.layers[2].get_weights(), kept):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(target.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    with pytest.raises(ValueError, match="objects_to_skip"):
        target.load_weights(str(tmp_path / "m.keras"), objects_to_skip=[])
    with pytest.raises(ValueError, match="not yet been built"):
        lamina.Sequential([layers.Dense(2)]).save_weights(
            str(tmp_path / "u.weights.h5"))


def test_links_in_weights_files_are_refused(tmp_path):
    outside = str(tmp_path / "outside.h5")
    with h5py.File(outside, "w") as f:
        f["secret"] = np.ones((4, 3), "float32")
    path = str(tmp_path / "w.weights.h5")
    small_model().save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(outside, "secret")
    with pytest.raises(ValueError, match="ExternalLink"):
        small_model().load_weights(path)
    small_model().save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense_1"]
        f["layers/dense_1"] = h5py.SoftLink("/layers/dense")
    with pytest.raises(ValueError, match="SoftLink"):
        small_model().load_weights(path)


def test_damaged_scalar_is_caught(tmp_path):
    path = str(tmp_path / "w.weights.h5")
    trained_model().save_weights(path)
    with h5py.File(path, "r+") as f:
        iterations = f["optimizer/vars/0"]
        assert "lamina_crc32" in iterations.attrs
        offset = iterations.id.get_offset()
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))
    model = trained_model()
    with pytest.raises(ValueError, match=r"optimizer/vars/0.*checksum"):
        model.load_weights(path)
