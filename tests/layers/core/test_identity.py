import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.core.identity import Identity

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


def test_identity_harness_and_parity(keras_ref):
    run_layer_test(
        Identity, {}, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_identity_returns_same_values_and_structures():
    x = torch.randn(2, 3)
    assert torch.equal(Identity()(x), x)
    a, b = Identity()([x, x + 1])
    assert torch.equal(a, x) and torch.equal(b, x + 1)


def test_identity_symbolic_keeps_dtype_and_structure():
    ints = lamina.Input((3,), dtype="int32")
    floats = lamina.Input((4, 5))
    out = Identity()([ints, floats])
    assert [t.shape for t in out] == [(None, 3), (None, 4, 5)]
    assert [t.dtype for t in out] == ["int32", "float32"]


def test_identity_passes_mask_through():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    assert torch.equal(Identity()(x)._keras_mask, x._keras_mask)


def test_identity_config_matches_keras(keras_ref):
    assert Identity(name="i").get_config() == \
        keras_ref.layers.Identity(name="i").get_config()


def test_identity_int_input_untouched():
    x = np.arange(6).reshape(2, 3)
    out = Identity()(x)
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), x)
