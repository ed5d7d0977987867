import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.reshape import Reshape


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("target_shape,input_shape,expected", [
    ((8,), (2, 2, 4), (2, 8)),
    ((2, -1), (2, 3, 4), (2, 2, 6)),
    ((-1, 2, 2), (2, 3, 4), (2, 3, 2, 2)),
    ([4, 3], (2, 12), (2, 4, 3)),
    ((1, 12, 1), (2, 3, 4), (2, 1, 12, 1)),
])
def test_reshape_harness_and_parity(keras_ref, target_shape, input_shape,
                                    expected):
    run_layer_test(
        Reshape, {"target_shape": target_shape}, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_reshape_values_are_row_major():
    x = torch.arange(12.0).reshape(1, 3, 4)
    torch.testing.assert_close(Reshape((4, 3))(x), x.reshape(1, 4, 3))


def test_reshape_symbolic_unknown_dims():
    assert Reshape((-1, 2))(lamina.Input((None, 4))).shape == (None, None, 2)
    assert Reshape((2, 6))(lamina.Input((None, 4))).shape == (None, 2, 6)
    assert Reshape((-1,))(lamina.Input((3, 4))).shape == (None, 12)
    out = Reshape((4, 3))(lamina.Input((12,), dtype="int64"))
    assert out.dtype == "int64"


def test_reshape_unknown_dims_resolve_eagerly():
    layer = Reshape((-1, 2))
    layer(lamina.Input((None, 4)))
    assert layer(torch.zeros(3, 5, 4)).shape == (3, 10, 2)


@pytest.mark.parametrize("target_shape", [(2, -1), [3, 4]])
def test_reshape_config_matches_keras(keras_ref, target_shape):
    ours = Reshape(target_shape, name="r").get_config()
    theirs = keras_ref.layers.Reshape(target_shape, name="r").get_config()
    assert ours == theirs
    assert ours["target_shape"] == tuple(target_shape)


@pytest.mark.parametrize("target_shape,input_shape", [
    ((5,), (2, 3, 4)), ((5, -1), (2, 3, 4)), ((0, -1), (2, 3, 4)),
])
def test_reshape_size_mismatch_names_layer_and_shapes(target_shape,
                                                      input_shape):
    layer = Reshape(target_shape, name="my_reshape")
    with pytest.raises(ValueError) as info:
        layer(torch.zeros(input_shape))
    message = str(info.value)
    assert "my_reshape" in message
    assert f"target_shape={target_shape}" in message
    assert f"input_shape={input_shape}" in message


def test_reshape_size_mismatch_symbolic():
    with pytest.raises(ValueError, match=r"input_shape=\(None, 3, 4\)"):
        Reshape((5,))(lamina.Input((3, 4)))


@pytest.mark.parametrize("target_shape,match", [
    ((-1, -1), "at most one unknown"),
    ((2, -2), "non-negative"),
    ((2, 1.5), "non-negative"),
    (3, "tuple"),
])
def test_reshape_invalid_target_shape(target_shape, match):
    with pytest.raises(ValueError, match=match):
        Reshape(target_shape)
