import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.normalization import UnitNormalization


@pytest.mark.parametrize("kwargs,shape", [
    ({}, (2, 3)), ({}, (2, 3, 4)), ({"axis": 1}, (2, 3, 4)),
    ({"axis": [1, 2]}, (2, 3, 4)), ({"axis": (-2, -1)}, (2, 3, 4, 5)),
])
def test_harness_and_keras_parity(keras_ref, kwargs, shape):
    layer = run_layer_test(
        UnitNormalization, kwargs, input_shape=shape,
        expected_output_shape=shape, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )
    assert layer.weights == []


def test_unit_norm_and_zero_vectors():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    out = UnitNormalization()(x)
    torch.testing.assert_close(out, torch.tensor([[0.6, 0.8], [0.0, 0.0]]))
    out.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_norm_over_several_axes():
    x = random_input((2, 3, 4), seed=4)
    out = UnitNormalization(axis=[1, 2])(x).detach().cpu().numpy()
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=(1, 2))),
                               np.ones(2), rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_config_matches_keras(keras_ref, axis):
    ours = UnitNormalization(name="u", axis=axis).get_config()
    assert ours == keras_ref.layers.UnitNormalization(
        name="u", axis=axis).get_config()


def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="`axis`.*Received: axis=2"):
        UnitNormalization(axis=2)(torch.zeros(2, 3))


def test_axis_of_wrong_type_raises():
    with pytest.raises(TypeError, match="`axis`"):
        UnitNormalization(axis="channels")
