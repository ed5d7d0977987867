import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.flatten import Flatten


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("kwargs,input_shape,expected", [
    ({}, (2, 3, 4), (2, 12)),
    ({}, (2, 3), (2, 3)),
    ({}, (2,), (2, 1)),
    ({}, (2, 3, 4, 5), (2, 60)),
    ({"data_format": "channels_first"}, (2, 3, 4, 5), (2, 60)),
    ({"data_format": "channels_first"}, (2, 3, 4), (2, 12)),
    ({"data_format": "channels_last"}, (2, 3, 4), (2, 12)),
])
def test_flatten_harness_and_parity(keras_ref, kwargs, input_shape, expected):
    run_layer_test(
        Flatten, kwargs, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_flatten_channels_first_moves_channels_last():
    x = torch.arange(24.0).reshape(2, 3, 4)
    out = Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(out, x.permute(0, 2, 1).reshape(2, 12))


def test_flatten_symbolic_unknown_dims():
    assert Flatten()(lamina.Input((None, 4))).shape == (None, None)
    assert Flatten()(lamina.Input((3, 4))).shape == (None, 12)
    out = Flatten()(lamina.Input((3, 4), dtype="int32"))
    assert out.dtype == "int32"


def test_flatten_empty_batch():
    assert Flatten()(torch.zeros(0, 3, 4)).shape == (0, 12)


@pytest.mark.parametrize("data_format", [None, "channels_first"])
def test_flatten_config_matches_keras(keras_ref, data_format):
    ours = Flatten(data_format=data_format, name="f").get_config()
    theirs = keras_ref.layers.Flatten(
        data_format=data_format, name="f").get_config()
    assert ours == theirs


def test_flatten_invalid_data_format():
    with pytest.raises(ValueError, match="data_format"):
        Flatten(data_format="channels_middle")


def test_flatten_rejects_scalar_input():
    with pytest.raises(ValueError, match="min_ndim=1"):
        Flatten()(np.float32(3.0))
