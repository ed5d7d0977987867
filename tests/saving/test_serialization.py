"""The object registry and serialize/deserialize, against Keras 3's format."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.saving import custom_object_scope
from lamina.saving import deserialize_keras_object
from lamina.saving import get_custom_objects
from lamina.saving import get_registered_name
from lamina.saving import get_registered_object
from lamina.saving import register_keras_serializable
from lamina.saving import serialize_keras_object


@register_keras_serializable(package="tests")
class Scale(lamina.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="tests")
def squared_error(y_true, y_pred):
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def test_registered_class_round_trip_and_names():
    config = serialize_keras_object(Scale(3.0, name="scale"))
    assert config["registered_name"] == "tests>Scale"
    assert config["class_name"] == "Scale"
    assert get_registered_name(Scale) == "tests>Scale"
    assert get_registered_object("tests>Scale") is Scale
    assert "tests>Scale" in get_custom_objects()
    revived = deserialize_keras_object(config)
    assert isinstance(revived, Scale) and revived.factor == 3.0


def test_registered_function_serializes_like_keras(keras_ref):
    ours = serialize_keras_object(squared_error)
    assert ours == {"module": "builtins", "class_name": "function",
                    "config": "tests>squared_error",
                    "registered_name": "function"}
    assert deserialize_keras_object(ours) is squared_error


def test_builtin_layer_config_matches_keras(keras_ref):
    ours = serialize_keras_object(layers.Dense(4, activation="relu",
                                               name="d"))
    theirs = keras_ref.saving.serialize_keras_object(
        keras_ref.layers.Dense(4, activation="relu", name="d"))
    assert ours == theirs
    revived = deserialize_keras_object(theirs)
    assert isinstance(revived, layers.Dense) and revived.units == 4


def test_custom_object_scope_and_custom_objects_argument():
    class Local(lamina.Layer):
        def call(self, x):
            return x

    config = {"module": None, "class_name": "Local", "config": {
        "name": "local", "trainable": True, "dtype": "float32"},
        "registered_name": "Local"}
    with pytest.raises(TypeError, match="Could not locate class 'Local'"):
        deserialize_keras_object(config)
    with custom_object_scope({"Local": Local}):
        assert isinstance(deserialize_keras_object(config), Local)
    assert isinstance(
        deserialize_keras_object(config, custom_objects={"Local": Local}),
        Local)


def test_family_get_accepts_all_identifier_kinds():
    from lamina import initializers

    assert isinstance(initializers.get("glorot_uniform"),
                      initializers.GlorotUniform)
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    instance = initializers.Constant(3.0)
    assert initializers.get(instance) is instance
    from_config = initializers.get({"class_name": "Constant",
                                    "config": {"value": 2.0}})
    assert from_config.get_config()["value"] == 2.0
    with pytest.raises(ValueError, match="Unknown.*not_an_init"):
        initializers.get("not_an_init")


def test_layers_serialize_and_deserialize_functions():
    config = layers.serialize(layers.Dense(2, name="x"))
    assert layers.deserialize(config).name == "x"


def test_lambda_requires_unsafe_mode():
    config = serialize_keras_object(lambda x: x + 1)
    with pytest.raises(ValueError, match="safe_mode=False"):
        deserialize_keras_object(config)
    fn = deserialize_keras_object(config, safe_mode=False)
    assert fn(1) == 2


def test_numpy_and_bytes_round_trip():
    array = np.arange(4, dtype="int32")
    revived = deserialize_keras_object(serialize_keras_object(array))
    np.testing.assert_array_equal(revived, array)
    assert deserialize_keras_object(serialize_keras_object(b"ab")) == b"ab"


def test_register_rejects_bad_package():
    with pytest.raises(ValueError, match="package"):
        register_keras_serializable(package="a>b")
