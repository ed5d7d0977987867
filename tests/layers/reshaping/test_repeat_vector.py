import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.repeat_vector import RepeatVector


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector_harness_and_parity(keras_ref, n):
    run_layer_test(
        RepeatVector, {"n": n}, input_shape=(2, 4),
        expected_output_shape=(2, n, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_repeat_vector_values_and_gradient():
    x = torch.randn(2, 4, requires_grad=True)
    out = RepeatVector(3)(x)
    for step in range(3):
        torch.testing.assert_close(out[:, step], x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.full((2, 4), 3.0))


def test_repeat_vector_symbolic():
    assert RepeatVector(5)(lamina.Input((None,))).shape == (None, 5, None)


def test_repeat_vector_config_matches_keras(keras_ref):
    assert RepeatVector(3, name="rv").get_config() == \
        keras_ref.layers.RepeatVector(3, name="rv").get_config()


@pytest.mark.parametrize("n,error", [
    (0, ValueError), (-2, ValueError), (2.5, TypeError), ("3", TypeError),
    (True, TypeError),
])
def test_repeat_vector_invalid_n(n, error):
    with pytest.raises(error, match="n"):
        RepeatVector(n)


def test_repeat_vector_wrong_input_rank():
    with pytest.raises(ValueError, match="expected ndim=2"):
        RepeatVector(2)(torch.zeros(2, 3, 4))
