import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina import regularizers
from lamina.layers.regularization.activity_regularization import (
    ActivityRegularization,
)

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.1}, {"l1": 0.1, "l2": 0.2}])
def test_harness_and_output_parity(keras_ref, kwargs):
    layer = run_layer_test(
        ActivityRegularization, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, expected_num_losses=1,
        supports_masking=True, keras_reference=keras_ref,
    )
    assert isinstance(layer.activity_regularizer, regularizers.L1L2)
    assert layer.activity_regularizer.l1 == kwargs.get("l1", 0.0)


@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.1, "l2": 0.2}])
def test_config_matches_keras(keras_ref, kwargs):
    ours = ActivityRegularization(name="a", **kwargs).get_config()
    assert ours == keras_ref.layers.ActivityRegularization(
        name="a", **kwargs).get_config()
    assert "activity_regularizer" not in ours


def test_returns_inputs_and_penalty_has_gradient():
    x = torch.randn(4, 3, requires_grad=True)
    layer = ActivityRegularization(l1=0.5)
    assert layer(x) is x
    layer.losses[0].backward()
    # Whatever the batch normalization of the penalty, its gradient is the
    # sign of the inputs up to a positive factor.
    ratio = x.grad / torch.sign(x.detach())
    torch.testing.assert_close(ratio, ratio[0, 0].expand_as(ratio))


def test_penalty_matches_keras(keras_ref):
    x = random_input((4, 3), seed=2)
    theirs = keras_ref.layers.ActivityRegularization(l1=0.1, l2=0.2)
    theirs(x)
    ours = ActivityRegularization(l1=0.1, l2=0.2)
    ours(x)
    np.testing.assert_allclose(
        ours.losses[0].item(),
        keras_ref.ops.convert_to_numpy(theirs.losses[0]), rtol=1e-6)


def test_negative_factor_raises():
    with pytest.raises(ValueError, match="l1"):
        ActivityRegularization(l1=-1.0)
