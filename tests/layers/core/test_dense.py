import numpy as np
import pytest
import torch

import lamina
from harness import assert_keras_parity
from harness import run_layer_test
from lamina import layers


@pytest.mark.parametrize("kwargs,input_shape,expected", [
    ({"units": 4}, (2, 3), (2, 4)),
    ({"units": 4, "activation": "relu"}, (2, 3), (2, 4)),
    ({"units": 5, "use_bias": False}, (2, 3, 6), (2, 3, 5)),
    ({"units": 2, "activation": "softmax", "kernel_initializer": "he_normal",
      "bias_initializer": "ones"}, (2, 7), (2, 2)),
    ({"units": 3, "kernel_regularizer": "l2", "bias_regularizer": "l1",
      "activity_regularizer": "l2"}, (2, 4), (2, 3)),
    ({"units": 3, "kernel_constraint": "max_norm"}, (2, 4), (2, 3)),
])
def test_dense_harness_and_parity(keras_ref, kwargs, input_shape, expected):
    layer = run_layer_test(
        layers.Dense, kwargs, input_shape=input_shape,
        expected_output_shape=expected,
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False
        else 2,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )
    assert layer.kernel.shape == (input_shape[-1], kwargs["units"])


def test_dense_config_matches_keras(keras_ref):
    kwargs = {"units": 3, "activation": "tanh", "kernel_regularizer": "l2",
              "activity_regularizer": "l1", "name": "d"}
    ours = layers.Dense(**kwargs).get_config()
    theirs = keras_ref.layers.Dense(**kwargs).get_config()
    assert ours == theirs


def test_dense_regularization_losses():
    layer = layers.Dense(2, kernel_regularizer=lamina.regularizers.L2(0.5),
                         activity_regularizer="l1")
    x = torch.ones(3, 4)
    out = layer(x)
    losses = layer.losses
    assert len(losses) == 2
    expected_kernel = 0.5 * layer.kernel.detach().square().sum()
    assert torch.allclose(losses[1], expected_kernel)
    # Keras 3 averages activity penalties over the batch (3 rows here).
    assert torch.allclose(losses[0], 0.01 * out.detach().abs().sum() / 3)
    layer(x)
    assert len(layer.losses) == 2, "losses are cleared at each outer call"


def test_dense_state_dict_keys_are_keras_names():
    layer = layers.Dense(3)
    layer.build((None, 4))
    assert list(layer.state_dict()) == ["kernel", "bias"]
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel",
                                               f"{layer.name}/bias"]


def test_dense_keras_weights_roundtrip(keras_ref):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    ours, theirs = assert_keras_parity(keras_ref, "Dense", {"units": 3}, x)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", None])
def test_dense_invalid_units(units):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(units)
