import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.normalization import GroupNormalization


@pytest.mark.parametrize("kwargs,shape", [
    ({"groups": 2}, (2, 3, 4)),
    ({"groups": 2}, (2, 5, 6, 4)),
    ({"groups": 3}, (4, 6)),
    ({"groups": -1}, (2, 3, 4)),
    ({"groups": 1}, (2, 3, 4)),
    ({"groups": 2, "axis": 1}, (2, 4, 5, 6)),
    ({"groups": 4, "axis": 1}, (2, 4, 7)),
    ({"groups": 2}, (2, 2, 3, 3, 4)),
    ({"groups": 2, "center": False}, (2, 3, 4)),
    ({"groups": 2, "scale": False, "epsilon": 0.5}, (2, 3, 4)),
    ({"groups": 2, "gamma_initializer": "random_normal",
      "beta_initializer": "random_uniform"}, (2, 3, 4)),
])
@pytest.mark.parametrize("training", [False, True])
def test_harness_and_keras_parity(keras_ref, kwargs, shape, training):
    trainable = int(kwargs.get("center", True)) + int(
        kwargs.get("scale", True))
    run_layer_test(
        GroupNormalization, kwargs, input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref, parity_training=training,
    )


def test_group_statistics_by_hand():
    x = random_input((3, 4, 5, 6), seed=1) * 2 + 1
    out = GroupNormalization(groups=3, epsilon=0.0)(x).detach().cpu().numpy()
    grouped = x.reshape(3, 4, 5, 3, 2)
    mean = grouped.mean(axis=(1, 2, 4), keepdims=True)
    std = grouped.std(axis=(1, 2, 4), keepdims=True)
    expected = ((grouped - mean) / std).reshape(x.shape)
    np.testing.assert_allclose(out, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kwargs", [
    {}, {"groups": -1, "axis": 1}, {"groups": 2, "epsilon": 0.1,
                                    "gamma_regularizer": "l2"},
])
def test_config_matches_keras_before_and_after_build(keras_ref, kwargs):
    ours = GroupNormalization(name="gn", **kwargs)
    theirs = keras_ref.layers.GroupNormalization(name="gn", **kwargs)
    assert ours.get_config() == theirs.get_config()
    x = random_input((2, 32, 3, 32))
    ours(x)
    theirs(x)
    assert ours.get_config() == theirs.get_config()


def test_channels_last_output_is_contiguous():
    x = torch.randn(2, 5, 5, 4, requires_grad=True)
    assert GroupNormalization(groups=2)(x).is_contiguous()


@pytest.mark.parametrize("shape", [(2, 5, 6, 4), (2, 2, 3, 3, 4)])
@pytest.mark.parametrize("kwargs", [{}, {"scale": False}])
def test_gradients_reach_weights_when_inputs_need_none(shape, kwargs):
    # Regression: torch kernels crash on these (channels_last input without
    # gradient; bias without weight).
    layer = GroupNormalization(groups=2, **kwargs)
    layer(torch.randn(*shape) * 2 + 1).square().mean().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_groups_not_dividing_channels_raises():
    with pytest.raises(ValueError, match="divisor.*Received: groups=4"):
        GroupNormalization(groups=4)(torch.zeros(2, 6))


def test_more_groups_than_channels_raises():
    with pytest.raises(ValueError, match="divisor.*Received: groups=8"):
        GroupNormalization(groups=8)(torch.zeros(2, 3, 4))


@pytest.mark.parametrize("groups", [0, -2, 2.0, True])
def test_invalid_groups_raise(groups):
    with pytest.raises(ValueError, match="`groups`"):
        GroupNormalization(groups=groups)


def test_invalid_axis_raises():
    with pytest.raises(ValueError, match="`axis`.*Received: axis=4"):
        GroupNormalization(groups=1, axis=4)(torch.zeros(2, 3, 4))
    with pytest.raises(TypeError, match="`axis`"):
        GroupNormalization(groups=1, axis=[1, 2])


def test_wrong_input_rank_after_build_raises():
    layer = GroupNormalization(groups=2)
    layer(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        layer(torch.zeros(2, 3, 3, 4))
