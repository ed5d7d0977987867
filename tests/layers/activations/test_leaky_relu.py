import pytest
import torch

from harness import run_layer_test
from lamina.layers.activations import LeakyReLU


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.1},
                                    {"negative_slope": 0.0}])
def test_leaky_relu_harness_and_parity(keras_ref, kwargs):
    run_layer_test(
        LeakyReLU, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        supports_masking=True, keras_reference=keras_ref,
    )


def test_leaky_relu_default_slope_is_keras_03():
    assert LeakyReLU()(torch.tensor([-10.0, 2.0])).tolist() == \
        pytest.approx([-3.0, 2.0])


def test_keras2_alpha_is_accepted_with_a_warning(keras_ref):
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = LeakyReLU(alpha=0.2, name="l")
    assert layer.negative_slope == 0.2
    with pytest.warns(UserWarning):
        theirs = keras_ref.layers.LeakyReLU(alpha=0.2, name="l")
    assert layer.get_config() == theirs.get_config()


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="`negative_slope` of LeakyReLU") \
            as info:
        LeakyReLU(negative_slope=-0.1)
    assert "negative_slope=-0.1" in str(info.value)
