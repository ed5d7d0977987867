"""KerasFileEditor: inspect, compare, edit and resave weights files."""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import KerasFileEditor

FIXTURES = "/work/shared/fixtures/keras3"


def mlp(hidden=3, extra=False):
    stack = [lamina.Input((4,)), layers.Dense(hidden, name="hidden")]
    if extra:
        stack.append(layers.Dense(hidden, name="extra"))
    stack.append(layers.Dense(2, name="out"))
    return lamina.Sequential(stack)


def test_inspects_a_keras_file(capsys):
    editor = KerasFileEditor(os.path.join(FIXTURES, "bidir_timedist.keras"))
    assert editor.metadata["keras_version"] == "3.15.1"
    assert editor.config["class_name"] == "Sequential"
    forward = editor.weights_dict["layers"]["bidirectional"]["forward_layer"]
    assert forward["cell"]["0"].shape == (4, 32)
    assert editor.weights_dict["optimizer"]["0"] == 8
    editor.summary()
    printed = capsys.readouterr().out
    assert "Saved with Keras 3.15.1" in printed
    assert "├─ dense ('dense_1')" in printed
    assert "0: shape=(4, 32), dtype=float32" in printed


def test_compare_with_a_model(capsys, tmp_path):
    path = str(tmp_path / "compare.weights.h5")
    mlp().save_weights(path)
    editor = KerasFileEditor(path)
    assert editor.compare(mlp()) == {"status": "success", "error_count": 0,
                                     "match_count": 4}
    result = editor.compare(mlp(hidden=5, extra=True))
    assert result["status"] == "error" and result["error_count"] == 5
    printed = capsys.readouterr().out
    assert "Weight shape mismatch for layers/dense/0" in printed
    assert "Object layers/dense_2 present in reference model" in printed


def test_edit_then_load_into_a_new_architecture(tmp_path):
    old = mlp()
    old_path = str(tmp_path / "old.weights.h5")
    old.save_weights(old_path)
    editor = KerasFileEditor(old_path)
    # The new model has a layer in the middle: out moves to dense_2.
    editor.rename_object("layers/dense_1", "dense_2")
    new_kernel = np.eye(3, dtype="float32")
    editor.add_object("layers/dense_1",
                      weights={"0": new_kernel, "1": np.zeros(3, "float32")})
    new_path = str(tmp_path / "new.weights.h5")
    editor.save(new_path)
    new = mlp(extra=True)
    new.load_weights(new_path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(new.predict(x, verbose=0),
                               old.predict(x, verbose=0), atol=1e-6)


def test_delete_and_add_weights(tmp_path):
    model = lamina.Sequential([lamina.Input((4,)),
                               layers.Dense(3, use_bias=False, name="d")])
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    editor = KerasFileEditor(path)
    editor.add_weights("dense", {"1": np.ones(3)})
    assert sorted(editor.weights_dict["layers"]["dense"]) == ["0", "1"]
    editor.delete_weight("layers/dense", "1")
    editor.delete_object("dense")
    assert editor.weights_dict["layers"] == {}
    with pytest.raises(ValueError, match="does not appear"):
        editor.delete_object("dense")
    with pytest.raises(ValueError, match="not found"):
        editor.delete_weight("layers/nothing", "0")
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("layers", "a/b")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_object("layers/x", [np.ones(2)])
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        editor.save(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="Invalid filename"):
        KerasFileEditor(str(tmp_path / "w.npz"))


def test_ambiguous_name_needs_a_path():
    editor = KerasFileEditor(os.path.join(FIXTURES, "nested.weights.h5"))
    with pytest.raises(ValueError, match="more than once"):
        editor.delete_object("dense")
    editor.delete_object("layers/sequential/layers/dense")
    assert "dense" not in editor.weights_dict["layers"]["sequential"]["layers"]


def test_keras_reads_a_resaved_file(keras_ref, tmp_path):
    theirs = keras_ref.Sequential([keras_ref.Input((4,)),
                                   keras_ref.layers.Dense(3),
                                   keras_ref.layers.Dense(2)])
    path = str(tmp_path / "k.weights.h5")
    theirs.save_weights(path)
    editor = KerasFileEditor(path)
    editor.weights_dict["layers"]["dense"]["1"] = np.full(3, 0.5, "float32")
    edited = str(tmp_path / "edited.weights.h5")
    editor.resave_weights(edited)
    theirs.load_weights(edited)
    np.testing.assert_array_equal(
        keras_ref.ops.convert_to_numpy(theirs.layers[0].bias), np.full(3, 0.5))
    their_editor = keras_ref.saving.KerasFileEditor(edited)
    assert sorted(their_editor.weights_dict["layers"]) == ["dense", "dense_1"]
