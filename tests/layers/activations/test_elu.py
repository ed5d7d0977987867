import pytest
import torch

from harness import run_layer_test
from lamina.layers.activations import ELU


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}, {"alpha": 2.0}])
def test_elu_harness_and_parity(keras_ref, kwargs):
    run_layer_test(
        ELU, kwargs, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_elu_values_and_config(keras_ref):
    out = ELU(alpha=0.5)(torch.tensor([-1.0, 2.0]))
    torch.testing.assert_close(
        out, torch.tensor([0.5 * (torch.exp(torch.tensor(-1.0)) - 1), 2.0]))
    assert ELU(alpha=0.5, name="e").get_config() == \
        keras_ref.layers.ELU(alpha=0.5, name="e").get_config()
