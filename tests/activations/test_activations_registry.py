"""`lamina.activations.get` / `serialize` / `deserialize` against Keras."""

import pytest
import torch
import torch.nn.functional as F

from lamina import activations
from lamina.saving import custom_object_scope
from lamina.saving import register_keras_serializable

NAMES = [
    "relu", "sigmoid", "softmax", "tanh", "linear", "gelu", "silu", "elu",
    "selu", "leaky_relu", "relu6", "softplus", "softsign", "exponential",
    "hard_sigmoid", "hard_silu", "mish", "log_softmax", "celu", "glu",
    "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "squareplus",
    "tanh_shrink", "sparse_plus", "sparsemax", "sparse_sigmoid", "threshold",
]


def test_get_none_is_linear():
    assert activations.get(None) is activations.linear


@pytest.mark.parametrize("name", NAMES)
def test_get_serialize_deserialize_round_trip(keras_ref, name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    config = activations.serialize(fn)
    assert config == keras_ref.activations.serialize(
        getattr(keras_ref.activations, name)
    )
    assert config == name
    assert activations.deserialize(config) is fn
    assert activations.get(config) is fn


@pytest.mark.parametrize("alias,target", [("swish", "silu"),
                                          ("hard_swish", "hard_silu")])
def test_aliases(keras_ref, alias, target):
    assert activations.get(alias) is getattr(activations, target)
    assert activations.deserialize(alias) is getattr(activations, target)
    assert activations.serialize(getattr(activations, alias)) == target
    assert target == keras_ref.activations.serialize(
        getattr(keras_ref.activations, alias)
    )


def test_get_dict_in_keras_format(keras_ref):
    config = {"module": "builtins", "class_name": "function",
              "config": "relu", "registered_name": "function"}
    assert activations.get(config) is activations.relu
    assert keras_ref.activations.get(config) is keras_ref.activations.relu


def test_callables_pass_through():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.get(torch.tanh) is torch.tanh


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown activation") as info:
        activations.get("relu_but_wrong")
    assert "'relu'" in str(info.value) and "'softmax'" in str(info.value)
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.deserialize("relu_but_wrong")


@pytest.mark.parametrize("bad", [5, 1.5, [1, 2]])
def test_non_callable_identifier_fails(bad):
    with pytest.raises(ValueError, match="Could not interpret activation"):
        activations.get(bad)


def test_registered_custom_function(keras_ref):
    @register_keras_serializable(package="lamina_test")
    def scaled_tanh(x):
        return 2 * torch.tanh(x)

    config = activations.serialize(scaled_tanh)

    @keras_ref.saving.register_keras_serializable(package="lamina_test")
    def scaled_tanh_keras(x):
        return x

    expected = keras_ref.activations.serialize(scaled_tanh_keras)
    assert config == {**expected, "config": "lamina_test>scaled_tanh"}
    assert activations.deserialize(config) is scaled_tanh
    assert activations.get(config) is scaled_tanh
    assert activations.get("lamina_test>scaled_tanh") is scaled_tanh


def test_custom_objects_and_scope():
    def my_act(x):
        return x + 1

    config = activations.serialize(my_act)
    assert config["config"] == "my_act"
    assert activations.deserialize(
        config, custom_objects={"my_act": my_act}
    ) is my_act
    with custom_object_scope({"my_act": my_act}):
        assert activations.get("my_act") is my_act


def test_torch_functions_serialize_to_keras_names():
    assert activations.serialize(torch.tanh) == "tanh"
    assert activations.serialize(F.relu) == "relu"
    assert activations.serialize(F.gelu) == "gelu"
    assert activations.serialize(F.hardswish) == "hard_silu"
    # torch's leaky_relu slope (0.01) differs from Keras's (0.2).
    with pytest.raises(ValueError, match="no exact Keras equivalent"):
        activations.serialize(F.leaky_relu)


def test_object_with_get_config_serializes_as_object():
    class Scaled:
        def __init__(self, factor=2.0):
            self.factor = factor

        def __call__(self, x):
            return self.factor * x

        def get_config(self):
            return {"factor": self.factor}

    config = activations.serialize(Scaled(3.0))
    assert config["class_name"] == "Scaled"
    assert config["config"] == {"factor": 3.0}


def test_unserializable_object_fails_clearly():
    with pytest.raises(ValueError, match="Cannot serialize activation"):
        activations.serialize(torch.nn.ReLU())
