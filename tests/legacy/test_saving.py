"""`lamina.legacy.saving` / `lamina.utils.legacy` against Keras 3's legacy
(Keras 2) serialization format."""

import json
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina.legacy.saving import deserialize_keras_object  # noqa: E402
from lamina.legacy.saving import serialize_keras_object  # noqa: E402


def _as_json(value):
    return json.loads(json.dumps(value))


def test_exports():
    assert lamina.legacy.saving.serialize_keras_object is \
        serialize_keras_object
    assert lamina.utils.legacy.deserialize_keras_object is \
        deserialize_keras_object
    assert lamina.utils.legacy.serialize_keras_object is \
        serialize_keras_object


@pytest.mark.parametrize("make", [
    lambda k: k.layers.Dense(3, activation="relu", name="d"),
    lambda k: k.layers.Conv2D(4, 3, padding="same", name="c"),
    lambda k: k.initializers.GlorotUniform(seed=3),
    lambda k: k.losses.MeanSquaredError(),
])
def test_serialized_form_matches_keras(make):
    ours = _as_json(serialize_keras_object(make(lamina)))
    theirs = _as_json(keras.legacy.saving.serialize_keras_object(make(keras)))
    assert ours == theirs


class _Custom(lamina.layers.Layer):
    def __init__(self, act=None, init=None, sizes=(), **kwargs):
        super().__init__(**kwargs)
        self.sizes = list(sizes)
        self.act = act
        self.init = init

    def get_config(self):
        config = super().get_config()
        config.update(act=self.act, init=self.init, sizes=self.sizes)
        return config


def test_nested_objects_are_marked_passive():
    layer = _Custom(act=lamina.activations.relu,
                    init=lamina.initializers.Ones(), sizes=[1, 2],
                    name="l")
    config = serialize_keras_object(layer)
    assert config["class_name"] == "_Custom"
    assert config["config"]["act"] == "relu"
    assert config["config"]["init"] == {
        "class_name": "Ones", "config": {},
        "__passive_serialization__": True}
    assert config["config"]["sizes"] == [1, 2]

    back = deserialize_keras_object(
        config, module_objects={"_Custom": _Custom,
                                "Ones": lamina.initializers.Ones,
                                "relu": lamina.activations.relu})
    assert back.act is lamina.activations.relu
    assert isinstance(back.init, lamina.initializers.Ones)
    assert back.name == "l"


def test_simple_values():
    assert serialize_keras_object(None) is None
    assert serialize_keras_object(lamina.activations.relu) == "relu"
    with pytest.raises(ValueError, match="get_config"):
        serialize_keras_object(3)


def test_reads_keras_written_layer_config():
    written = keras.legacy.saving.serialize_keras_object(
        keras.layers.Dense(2, activation="tanh", name="from_keras"))
    layer = deserialize_keras_object(
        _as_json(written), module_objects=vars(lamina.layers))
    assert isinstance(layer, lamina.layers.Dense)
    assert layer.units == 2 and layer.name == "from_keras"
    assert layer.activation is lamina.activations.tanh


def test_reads_keras2_style_config():
    # A tf.keras 2 layer config: no module keys, passive sub-objects.
    config = {"class_name": "Dense", "config": {
        "name": "k2", "units": 4, "activation": "relu", "use_bias": False,
        "kernel_initializer": {"class_name": "Ones", "config": {},
                               "__passive_serialization__": True}}}
    module_objects = {"Dense": lamina.layers.Dense,
                      "Ones": lamina.initializers.Ones,
                      "relu": lamina.activations.relu}
    layer = deserialize_keras_object(config, module_objects=module_objects)
    theirs = keras.legacy.saving.deserialize_keras_object(
        json.loads(json.dumps(config)),
        module_objects={"Dense": keras.layers.Dense,
                        "Ones": keras.initializers.Ones,
                        "relu": keras.activations.relu})
    assert layer.get_config() == theirs.get_config()
    layer.build((None, 3))
    assert float(layer.kernel.detach().sum()) == 12.0


def test_names_and_lookup_order():
    objects = {"relu": lamina.activations.relu,
               "Ones": lamina.initializers.Ones}
    assert deserialize_keras_object("relu", module_objects=objects) is \
        lamina.activations.relu
    assert isinstance(deserialize_keras_object("Ones", module_objects=objects),
                      lamina.initializers.Ones)

    def mine(x):
        return x

    assert deserialize_keras_object(
        "relu", module_objects=objects, custom_objects={"relu": mine}) is mine
    with lamina.utils.custom_object_scope({"relu": mine}):
        assert deserialize_keras_object("relu", module_objects=objects) is mine
    assert deserialize_keras_object(mine) is mine
    assert deserialize_keras_object(None) is None


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="Unknown activation: 'nope'"):
        deserialize_keras_object("nope", module_objects={},
                                 printable_module_name="activation")
    with pytest.raises(ValueError, match="Unknown object: 'Dense'"):
        deserialize_keras_object({"class_name": "Dense", "config": {}})
    with pytest.raises(ValueError, match="'class_name' and 'config'"):
        deserialize_keras_object({"class_name": "Dense"})
    with pytest.raises(ValueError, match="Received: 3"):
        deserialize_keras_object(3)
