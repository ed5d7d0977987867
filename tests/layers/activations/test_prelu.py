import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.activations import PReLU


@pytest.mark.parametrize("kwargs,input_shape,alpha_shape", [
    ({"alpha_initializer": "ones"}, (2, 3, 4), (3, 4)),
    ({"alpha_initializer": "random_normal", "shared_axes": [1]}, (2, 3, 4),
     (1, 4)),
    ({"alpha_initializer": "random_uniform", "shared_axes": 2}, (2, 3, 4),
     (3, 1)),
    ({"alpha_initializer": "ones", "shared_axes": (1, 2)}, (2, 3, 4, 5),
     (1, 1, 5)),
])
def test_prelu_harness_and_parity(keras_ref, kwargs, input_shape,
                                  alpha_shape):
    layer = run_layer_test(
        PReLU, kwargs, input_shape=input_shape,
        expected_output_shape=input_shape, expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )
    assert tuple(layer.alpha.shape) == alpha_shape
    assert layer.alpha.path.endswith("/alpha")
    assert list(layer.state_dict()) == ["alpha"]


def test_prelu_default_init_is_zeros(keras_ref):
    # Zero slopes get no gradient from a squared loss, so no training check.
    layer = run_layer_test(
        PReLU, {}, input_shape=(2, 3, 4), run_training_check=False,
        keras_reference=keras_ref,
    )
    assert not layer.alpha.detach().any()


def test_prelu_values_gradient_and_regularizer():
    layer = PReLU(alpha_initializer="ones", alpha_regularizer="l2",
                  alpha_constraint="non_neg")
    layer.build((None, 2))
    with torch.no_grad():
        layer.alpha.copy_(torch.tensor([0.5, 2.0]))
    out = layer(torch.tensor([[-2.0, -2.0], [3.0, 4.0]]))
    assert out.tolist() == [[-1.0, -4.0], [3.0, 4.0]]
    assert len(layer.losses) == 1
    torch.testing.assert_close(layer.losses[0], torch.tensor(0.01 * 4.25))
    assert layer.alpha.constraint is not None


def test_prelu_config_matches_keras(keras_ref):
    kwargs = {"alpha_initializer": "ones", "alpha_regularizer": "l2",
              "alpha_constraint": "non_neg", "shared_axes": [1, 2]}
    assert PReLU(name="p", **kwargs).get_config() == \
        keras_ref.layers.PReLU(name="p", **kwargs).get_config()
    assert PReLU(name="p").get_config() == \
        keras_ref.layers.PReLU(name="p").get_config()


def test_prelu_input_spec_after_build():
    layer = PReLU(shared_axes=[1])
    layer(np.zeros((2, 3, 4), "float32"))
    assert layer(np.zeros((2, 7, 4), "float32")).shape == (2, 7, 4)
    with pytest.raises(ValueError, match="axis 2"):
        layer(np.zeros((2, 3, 5), "float32"))


def test_prelu_symbolic():
    out = PReLU(shared_axes=[1])(lamina.Input((None, 4)))
    assert out.shape == (None, None, 4)


def test_prelu_invalid_shared_axes():
    with pytest.raises(ValueError, match="`shared_axes` of PReLU") as info:
        PReLU(shared_axes=[3])(np.zeros((2, 3, 4), "float32"))
    assert "shared_axes=[3]" in str(info.value)
