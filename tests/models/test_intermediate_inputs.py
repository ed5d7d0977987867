"""A functional model may start from an intermediate tensor, as in Keras:
`Model(h, outputs)` with `h` the output of a layer, not of `Input()`."""

import numpy as np
import pytest
import torch

import lamina as keras


def _tower():
    inputs = keras.Input((4,), name="features")
    hidden = keras.layers.Dense(3, name="first")(inputs)
    outputs = keras.layers.Dense(2, name="second")(hidden)
    return inputs, hidden, outputs


def test_head_model_from_an_intermediate_tensor():
    inputs, hidden, outputs = _tower()
    full = keras.Model(inputs, outputs)
    head = keras.Model(hidden, outputs)
    assert [type(l).__name__ for l in head.layers] == ["InputLayer", "Dense"]
    assert head.layers[0].name == hidden.name + "CLONE"
    assert head.layers[1] is full.get_layer("second")
    h = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    expected = full.get_layer("second")(torch.as_tensor(h))
    torch.testing.assert_close(head(h), expected)
    # The whole model still runs from its own input.
    x = np.ones((2, 4), "float32")
    assert full(x).shape == (2, 2)


def test_head_model_trains_and_saves(tmp_path):
    _, hidden, outputs = _tower()
    head = keras.Model(hidden, outputs)
    head.compile("sgd", "mse")
    h = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    head.fit(h, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    path = tmp_path / "head.keras"
    head.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(h, verbose=0),
                               head.predict(h, verbose=0), atol=1e-6)


def test_mixed_inputs_keep_real_inputs():
    a = keras.Input((2,), name="a")
    b = keras.Input((3,), name="b")
    b_proj = keras.layers.Dense(2, name="proj")(b)
    joined = keras.layers.Add()([a, b_proj])
    out = keras.layers.Dense(1, name="out")(joined)
    model = keras.Model([a, b_proj], out)
    assert model.inputs[0] is a
    assert model.inputs[1].name == b_proj.name + "CLONE"
    # The layer before the intermediate input is not part of the model.
    assert sorted(layer.name for layer in model.layers) == sorted(
        ["a", b_proj.name + "CLONE", joined._keras_history[0].name, "out"])
    rng = np.random.default_rng(2)
    xa, xb = (rng.normal(size=(2, 2)).astype("float32") for _ in range(2))
    result = model([xa, xb])
    expected = model.get_layer("out")(torch.as_tensor(xa + xb))
    torch.testing.assert_close(result, expected)


def test_masks_of_the_old_graph_stay_behind(keras_ref):
    # The new Input carries no mask, so nothing recorded after it does;
    # Keras's clones carry none either.
    def head(lib):
        ids = lib.Input((4,), dtype="int32")
        embedded = lib.layers.Embedding(10, 3, mask_zero=True)(ids)
        dense = lib.layers.Dense(2)(embedded)
        return lib.Model(embedded, dense)

    ours, theirs = head(keras), head(keras_ref)
    assert getattr(theirs.outputs[0], "_keras_mask", None) is None
    assert getattr(ours.outputs[0], "_keras_mask", None) is None
    x = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    torch.testing.assert_close(ours(x), ours.layers[1](torch.as_tensor(x)))


def test_matches_keras_layer_list():
    keras3 = pytest.importorskip("keras")
    i = keras3.Input((4,))
    h = keras3.layers.Dense(3)(i)
    o = keras3.layers.Dense(2)(h)
    reference = keras3.Model(h, o)
    _, hidden, outputs = _tower()
    ours = keras.Model(hidden, outputs)
    assert len(ours.layers) == len(reference.layers)
    assert reference.layers[0].name.endswith("CLONE")
    assert ours.layers[0].name.endswith("CLONE")
    assert [w.shape for w in ours.get_weights()] == \
        [tuple(w.shape) for w in reference.get_weights()]
