import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.core.activation import Activation


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("activation", [
    "relu", "sigmoid", "tanh", "softmax", "linear", "gelu", "elu", "selu",
    "softplus", "swish", "leaky_relu", "log_softmax", "hard_sigmoid", None,
])
def test_activation_harness_and_parity(keras_ref, activation):
    run_layer_test(
        Activation, {"activation": activation}, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_activation_accepts_callable():
    layer = Activation(lamina.activations.relu)
    out = layer(torch.tensor([-1.0, 0.5]))
    torch.testing.assert_close(out, torch.tensor([0.0, 0.5]))
    assert layer.get_config()["activation"] == "relu"


def test_activation_values():
    x = np.array([[-2.0, 0.0, 3.0]], dtype="float32")
    out = Activation("relu")(x)
    np.testing.assert_array_equal(out.cpu().numpy(), [[0.0, 0.0, 3.0]])


@pytest.mark.parametrize("activation", ["relu", "softmax", None])
def test_activation_config_matches_keras(keras_ref, activation):
    ours = Activation(activation, name="act").get_config()
    theirs = keras_ref.layers.Activation(activation, name="act").get_config()
    assert ours == theirs


def test_activation_passes_mask_through():
    x = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, False, True], [True, True, False]])
    x._keras_mask = mask
    out = Activation("tanh")(x)
    assert torch.equal(out._keras_mask, mask)


def test_activation_unknown_name():
    with pytest.raises(ValueError, match="not_an_activation"):
        Activation("not_an_activation")


def test_activation_not_callable():
    with pytest.raises(ValueError, match="activation"):
        Activation(3)
