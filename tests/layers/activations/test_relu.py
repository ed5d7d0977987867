import pytest
import torch

from harness import run_layer_test
from lamina.layers.activations import ReLU


@pytest.mark.parametrize("kwargs", [
    {},
    {"max_value": 6.0},
    {"max_value": 1.5},
    {"negative_slope": 0.1},
    {"threshold": 0.5},
    {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.3},
    {"negative_slope": 0.3, "threshold": 1.0},
])
def test_relu_harness_and_parity(keras_ref, kwargs):
    run_layer_test(
        ReLU, kwargs, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_relu_values():
    x = torch.tensor([-2.0, 0.5, 1.0, 3.0])
    out = ReLU(max_value=2.0, negative_slope=0.5, threshold=1.0)(x)
    assert out.tolist() == [-1.5, -0.25, 0.0, 2.0]


def test_relu_config_matches_keras(keras_ref):
    kwargs = {"max_value": 3.0, "negative_slope": 0.1, "threshold": 0.2}
    assert ReLU(name="r", **kwargs).get_config() == \
        keras_ref.layers.ReLU(name="r", **kwargs).get_config()


@pytest.mark.parametrize("argument,value", [
    ("max_value", -1.0), ("negative_slope", -0.1), ("negative_slope", None),
    ("threshold", -0.5), ("threshold", None),
])
def test_relu_rejects_negative_arguments(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}` of ReLU") as info:
        ReLU(**{argument: value})
    assert f"{argument}={value}" in str(info.value)
