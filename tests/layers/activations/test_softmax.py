import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.activations import Softmax


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": (1, 2)},
                                    {"axis": [2]}, {"axis": -2}])
def test_softmax_harness_and_parity(keras_ref, kwargs):
    run_layer_test(
        Softmax, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        supports_masking=True, keras_reference=keras_ref,
    )


MASKS = {
    "full": np.random.default_rng(3).random((2, 3, 4)) > 0.3,
    "broadcast": np.array([[True, False, True, True]]),
    "float": (np.random.default_rng(4).random((2, 1, 4)) > 0.5).astype(
        "float32"),
    "row_fully_masked": np.concatenate(
        [np.zeros((2, 1, 4), bool), np.ones((2, 2, 4), bool)], axis=1),
}


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_softmax_mask_parity(keras_ref, mask_name, axis):
    mask = MASKS[mask_name]
    run_layer_test(
        Softmax, {"axis": axis}, input_shape=(2, 3, 4),
        call_kwargs={"mask": mask}, keras_reference=keras_ref,
    )


def test_masked_positions_get_zero_probability():
    x = torch.as_tensor(random_input((2, 3, 4)))
    mask = torch.as_tensor(MASKS["row_fully_masked"])
    out = Softmax()(x, mask=mask)
    assert not out[:, 0].any()
    torch.testing.assert_close(out[:, 1:].sum(-1), torch.ones(2, 2))
    x._keras_mask = mask
    torch.testing.assert_close(Softmax()(x), out)


def test_softmax_config_matches_keras(keras_ref):
    assert Softmax(axis=(1, 2), name="s").get_config() == \
        keras_ref.layers.Softmax(axis=(1, 2), name="s").get_config()


def test_softmax_mask_not_broadcastable():
    x = np.zeros((2, 3, 4), "float32")
    with pytest.raises(ValueError, match="Softmax") as info:
        Softmax()(x, mask=np.ones((2, 3), bool))
    assert "mask.shape=(2, 3)" in str(info.value)
    with pytest.raises(ValueError, match="broadcastable"):
        Softmax()(x, mask=np.ones((1, 2, 3, 4), bool))
