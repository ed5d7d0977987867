"""`to_json` / `model_from_json` and `Model.from_config`: the JSON of Keras 2
(keras 2.3.1, tf.keras 2.10, tf_keras 2.21), of Keras 3 and of Lamina,
both ways with real Keras 3."""

import json
import os
import warnings

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.models import model_from_json
from saving.fixture_helpers import FOLDERS, MODELS, ROOT, ScaledDense

@pytest.mark.skipif(not os.path.isdir(ROOT), reason="no shared fixtures")
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("folder", FOLDERS)
def test_fixture_json_gives_the_writers_architecture(folder, name):
    """Keras 3 reads none of the Keras 2 JSON files; Lamina reads all."""
    with open(os.path.join(ROOT, folder, name + ".json")) as handle:
        model = model_from_json(handle.read(),
                                custom_objects={"ScaledDense": ScaledDense})
    with open(os.path.join(ROOT, folder, "manifest.json")) as handle:
        manifest = json.load(handle)["models"][name]
    assert [layer.name for layer in model.layers] == [
        layer["name"] for layer in manifest["layers"]]
    assert [layer.count_params() for layer in model.layers] == [
        layer["params"] for layer in manifest["layers"]]
    assert model.count_params() == manifest["params"]


def test_keras3_sequential_json_with_dtype_policy_dicts():
    """The dtype policy dict names module "keras", as Sequential does;
    `model_from_json` of a Keras 3 Sequential failed on it."""
    config = {"module": "keras", "class_name": "Sequential",
              "registered_name": None, "config": {
                  "name": "seq", "trainable": True,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy",
                            "config": {"name": "float32"},
                            "registered_name": None},
                  "layers": [
                      {"module": "keras.layers", "class_name": "InputLayer",
                       "config": {"batch_shape": [None, 3],
                                  "dtype": "float32", "name": "inp"},
                       "registered_name": None},
                      {"module": "keras.layers", "class_name": "Dense",
                       "config": {"name": "d", "units": 2, "dtype": {
                           "module": "keras", "class_name": "DTypePolicy",
                           "config": {"name": "float32"},
                           "registered_name": None}},
                       "registered_name": None}]}}
    model = model_from_json(json.dumps(config))
    assert isinstance(model, lamina.Sequential)
    assert model.output_shape == (None, 2)


def test_model_from_config_of_a_functional_config():
    inputs = lamina.Input((4,), name="x")
    hidden = lamina.layers.Dense(3, name="hidden")
    outputs = lamina.layers.Dense(2, name="out")(hidden(hidden(
        lamina.layers.Dense(3, name="pre")(inputs))))
    model = lamina.Model(inputs, outputs)
    revived = lamina.Model.from_config(model.get_config())
    assert isinstance(revived, lamina.models.Functional)
    assert revived.get_config() == model.get_config()
    revived.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(revived.predict(x, verbose=0),
                               model.predict(x, verbose=0), atol=1e-6)


def test_keras2_node_indices_count_the_nested_models_own_node():
    """Keras 2 refers to a nested model built with an input as node 1."""
    inner = {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        {"class_name": "Dense", "config": {
            "name": "dense", "units": 3, "batch_input_shape": [None, 4]}}]}}
    config = {"class_name": "Model", "config": {
        "name": "outer",
        "layers": [
            {"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 4], "name": "x"}},
            {**inner, "name": "inner", "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"name": "out", "class_name": "Dense", "config": {
                "name": "out", "units": 1},
             "inbound_nodes": [[["inner", 1, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}}
    model = model_from_json(json.dumps(config))
    assert [layer.name for layer in model.layers] == ["x", "inner", "out"]
    assert model.output_shape == (None, 1)


def test_time_major_true_is_refused_clearly():
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "LSTM", "config": {
            "name": "lstm", "units": 2, "time_major": True,
            "batch_input_shape": [None, 3, 4]}}]}}
    with pytest.raises(ValueError, match="'lstm'.*time_major=True"):
        model_from_json(json.dumps(config))


def test_bad_json_is_a_clear_error():
    with pytest.raises(ValueError, match="could not be parsed"):
        model_from_json("{not json")
    with pytest.raises(ValueError, match="'class_name'"):
        model_from_json("[1, 2]")


# ----------------------------------------------------------------------
# Both ways with Keras 3
def ops_model(k):
    a = k.Input((4,), name="a")
    b = k.Input((4,), name="b")
    h = k.ops.multiply(k.ops.add(a, b), 2.0)
    h = k.ops.concatenate([k.ops.sum(h, axis=-1, keepdims=True),
                           k.ops.mean(a, axis=1, keepdims=True)], axis=-1)
    h = k.ops.relu(h) + k.ops.expand_dims(k.ops.tanh(a)[:, 1], -1)
    return k.Model([a, b], k.layers.Dense(2, name="d")(h), name="ops")


def shared_nested(k):
    inner_in = k.Input((5,), name="inner_in")
    inner = k.Model(inner_in, k.layers.Dense(4, name="inner_dense")(inner_in),
                    name="inner")
    a = k.Input((5,), name="a")
    b = k.Input((5,), name="b")
    shared = k.layers.Dense(5, activation="tanh", name="shared")
    ha, hb = inner(shared(a)), inner(shared(b))
    p = k.layers.Dense(2, name="p")(k.layers.Concatenate(name="cat")([ha, hb]))
    return k.Model({"a": a, "b": b}, {"p": p, "q": k.layers.Dense(
        1, name="q")(hb)}, name="shared_nested")


def masked_rnn(k):
    return k.Sequential([
        k.Input((6,), dtype="int32"),
        k.layers.Embedding(20, 4, mask_zero=True),
        k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True)),
        k.layers.TimeDistributed(k.layers.Dense(2)),
        k.layers.GRU(2, reset_after=False),
    ], name="masked_rnn")


def conv_bn(k):
    return k.Sequential([
        k.Input((8, 8, 3)), k.layers.Conv2D(4, 3),
        k.layers.BatchNormalization(), k.layers.GlobalAveragePooling2D(),
        k.layers.Dense(2)], name="conv_bn")


BUILDERS = {"ops": ops_model, "shared_nested": shared_nested,
            "masked_rnn": masked_rnn, "conv_bn": conv_bn}


def inputs_for(kind, rng):
    if kind == "ops":
        return [rng.normal(size=(3, 4)).astype("float32") for _ in range(2)]
    if kind == "shared_nested":
        return {"a": rng.normal(size=(3, 5)).astype("float32"),
                "b": rng.normal(size=(3, 5)).astype("float32")}
    if kind == "masked_rnn":
        return np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 7, 8],
                         [9, 0, 0, 0, 0, 0]], dtype="int32")
    return rng.normal(size=(3, 8, 8, 3)).astype("float32")


def flat(predicted):
    if isinstance(predicted, dict):
        return [np.asarray(predicted[k]) for k in sorted(predicted)]
    return [np.asarray(p) for p in (predicted if isinstance(
        predicted, (list, tuple)) else [predicted])]


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("direction", ["lamina_to_keras", "keras_to_lamina"])
def test_json_both_ways_with_keras(kind, direction, keras_ref):
    source_lib, target_lib = (lamina, keras_ref) if direction == \
        "lamina_to_keras" else (keras_ref, lamina)
    source = BUILDERS[kind](source_lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        target = target_lib.models.model_from_json(source.to_json())
    target.set_weights(source.get_weights())
    x = inputs_for(kind, np.random.default_rng(0))
    for got, want in zip(flat(target.predict(x, verbose=0)),
                         flat(source.predict(x, verbose=0))):
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert [layer.name for layer in target.layers] == [
        layer.name for layer in source.layers]
