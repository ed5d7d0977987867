import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.permute import Permute


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("dims,input_shape,expected", [
    ((2, 1), (2, 3, 4), (2, 4, 3)),
    ((1, 2), (2, 3, 4), (2, 3, 4)),
    ((3, 1, 2), (2, 3, 4, 5), (2, 5, 3, 4)),
    ([1], (2, 3), (2, 3)),
])
def test_permute_harness_and_parity(keras_ref, dims, input_shape, expected):
    run_layer_test(
        Permute, {"dims": dims}, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_permute_values():
    x = torch.randn(2, 3, 4, 5)
    torch.testing.assert_close(Permute((3, 1, 2))(x), x.permute(0, 3, 1, 2))


def test_permute_symbolic_keeps_dtype_and_none():
    out = Permute((2, 1))(lamina.Input((None, 7), dtype="int32"))
    assert out.shape == (None, 7, None) and out.dtype == "int32"


def test_permute_config_matches_keras(keras_ref):
    ours = Permute([2, 1], name="p").get_config()
    assert ours == keras_ref.layers.Permute([2, 1], name="p").get_config()
    assert ours["dims"] == (2, 1)


@pytest.mark.parametrize("dims", [(0, 1), (1, 3), (1, 1), (2,), (2, 3)])
def test_permute_invalid_dims(dims):
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        Permute(dims)


def test_permute_not_iterable():
    with pytest.raises(ValueError, match="dims"):
        Permute(2)


def test_permute_wrong_input_rank():
    with pytest.raises(ValueError, match="expected ndim=3"):
        Permute((2, 1))(torch.zeros(2, 3, 4, 5))
