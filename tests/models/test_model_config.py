"""Model configs in Keras 3's format: get_config/from_config, to_json,
model_from_json, clone_model; Keras 2 functional configs read too."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops


def _sequential(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, name="d"),
                           lib.layers.Dense(1, name="o")], name="seq")


def _functional(lib):
    a = lib.Input((4,), name="a")
    b = lib.Input((4,), name="b")
    shared = lib.layers.Dense(3, name="shared")
    merged = lib.layers.Concatenate(name="cat")([shared(a), shared(b)])
    return lib.Model({"a": a, "b": b},
                     [lib.layers.Dense(1, name="out")(merged)], name="f")


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_config_equals_keras(keras_ref, build):
    keras_ref.backend.clear_session()
    theirs = build(keras_ref).get_config()
    ours = build(lamina).get_config()
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_keras_config_loads_and_computes_the_same(keras_ref, build):
    keras_ref.backend.clear_session()
    theirs = build(keras_ref)
    config = json.loads(json.dumps(theirs.get_config()))
    ours = type(build(lamina)).from_config(config)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).random((2, 4)).astype("float32")
    inputs = x if build is _sequential else {"a": x, "b": x * 2}
    expected = keras_ref.ops.convert_to_numpy(theirs(inputs))
    got = ours(inputs)
    np.testing.assert_allclose(got.detach().cpu().numpy(), expected, atol=1e-6)


def test_ops_and_round_trip_through_json():
    x = lamina.Input((3,), name="x")
    y = ops.concatenate([x * 2.0, ops.relu(x)], axis=-1)
    model = lamina.Model(x, layers.Dense(2, name="head")(y))
    revived = lamina.models.model_from_json(model.to_json())
    revived.set_weights(model.get_weights())
    data = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(revived(data).detach().cpu().numpy(),
                               model(data).detach().cpu().numpy(), atol=1e-6)


def test_clone_model_new_weights_same_architecture():
    model = _functional(lamina)
    clone = lamina.models.clone_model(model)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert clone.get_layer("shared") is not model.get_layer("shared")
    seq_clone = lamina.models.clone_model(
        _sequential(lamina),
        clone_function=lambda layer: layer.__class__.from_config(
            {**layer.get_config(), "name": layer.name + "_copy"}))
    assert [layer.name for layer in seq_clone.layers] == ["d_copy", "o_copy"]
    assert seq_clone.output_shape == (None, 1)


def test_keras2_functional_config():
    config = {
        "name": "old", "layers": [
            {"class_name": "InputLayer", "name": "in",
             "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                        "name": "in"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "dense",
             "config": {"name": "dense", "units": 2, "activation": "relu"},
             "inbound_nodes": [[["in", 0, 0, {}]]]},
        ],
        "input_layers": [["in", 0, 0]], "output_layers": [["dense", 0, 0]],
    }
    model = lamina.Functional.from_config(config)
    assert model.output_shape == (None, 2)
    assert model(np.ones((3, 4))).shape == (3, 2)


def test_unreachable_config_node_is_a_clear_error():
    config = {
        "name": "broken", "layers": [
            {"class_name": "Dense", "name": "dense",
             "config": {"name": "dense", "units": 2},
             "inbound_nodes": [[["missing", 0, 0, {}]]]},
        ],
        "input_layers": [], "output_layers": [["dense", 0, 0]],
    }
    with pytest.raises(ValueError, match="never become available.*dense"):
        lamina.Functional.from_config(config)
