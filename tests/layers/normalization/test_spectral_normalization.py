import numpy as np
import pytest
import torch

from harness import random_input
from harness import run_layer_test
from lamina.layers.convolutional import Conv2D
from lamina.layers.core.dense import Dense
from lamina.layers.core.embedding import Embedding
from lamina.layers.normalization import SpectralNormalization
from lamina.layers.regularization.dropout import Dropout


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else \
        np.asarray(x)


def test_harness():
    run_layer_test(
        SpectralNormalization, {"layer": Dense(4)}, input_shape=(2, 3),
        expected_output_shape=(2, 4), expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=1,
    )


def test_weights_in_keras_order_without_duplicates():
    layer = SpectralNormalization(Dense(4))
    layer(torch.zeros(2, 3))
    # Keras lists the kernel first, as one of the wrapper's own weights.
    assert [w.path for w in layer.weights] == [
        "spectral_normalization/dense/kernel",
        "spectral_normalization/vector_u", "spectral_normalization/dense/bias",
    ]
    # The kernel alias is not a second parameter.
    assert sorted(layer.state_dict()) == [
        "layer.bias", "layer.kernel", "vector_u"]


@pytest.mark.parametrize("case", ["dense", "conv2d", "embedding"])
@pytest.mark.parametrize("power_iterations", [1, 3])
def test_training_updates_match_keras(keras_ref, case, power_iterations):
    if case == "dense":
        x = random_input((3, 5), seed=1)
        theirs_inner, ours_inner = keras_ref.layers.Dense(4), Dense(4)
    elif case == "conv2d":
        x = random_input((2, 5, 5, 2), seed=1)
        theirs_inner, ours_inner = keras_ref.layers.Conv2D(3, 2), Conv2D(3, 2)
    else:
        x = random_input((2, 3), dtype="int64", seed=1)
        theirs_inner = keras_ref.layers.Embedding(10, 4)
        ours_inner = Embedding(10, 4)
    theirs = keras_ref.layers.SpectralNormalization(
        theirs_inner, power_iterations=power_iterations)
    ours = SpectralNormalization(ours_inner,
                                 power_iterations=power_iterations)
    theirs(x)
    ours(x)
    weights = [keras_ref.ops.convert_to_numpy(w) for w in theirs.weights]
    assert [w.shape for w in weights] == [tuple(w.shape)
                                          for w in ours.weights]
    ours.set_weights(weights)
    for _ in range(3):
        expected = keras_ref.ops.convert_to_numpy(theirs(x, training=True))
        out = _np(ours(x, training=True))
        if case == "embedding":
            # Keras casts the output to the (integer) input dtype, zeroing
            # it; Lamina keeps the float embeddings.
            expected = _np(ours.kernel)[x]
        np.testing.assert_allclose(out, expected, atol=1e-5, rtol=1e-5)
    for theirs_w, ours_w in zip(theirs.weights, ours.weights):
        np.testing.assert_allclose(
            _np(ours_w), keras_ref.ops.convert_to_numpy(theirs_w),
            atol=1e-5, rtol=1e-5)


def test_power_iteration_converges_to_unit_spectral_norm():
    layer = SpectralNormalization(Conv2D(4, 3, kernel_initializer="ones"))
    x = torch.randn(2, 6, 6, 3)
    layer(x)
    for _ in range(10):
        layer(x, training=True)
    kernel = _np(layer.kernel).reshape(-1, 4)
    np.testing.assert_allclose(np.linalg.svd(kernel, compute_uv=False)[0],
                               1.0, rtol=1e-4)


def test_inference_leaves_kernel_unchanged():
    layer = SpectralNormalization(Dense(3))
    x = torch.randn(4, 2)
    layer(x)
    before = [w.detach().clone() for w in layer.weights]
    layer(x)
    layer(x, training=False)
    for b, w in zip(before, layer.weights):
        assert torch.equal(b, w)
    layer(x, training=True)
    assert not torch.equal(before[0], layer.kernel)


def test_zero_kernel_is_left_unchanged():
    layer = SpectralNormalization(Dense(3, kernel_initializer="zeros"))
    x = torch.randn(4, 2)
    layer(x)
    u = layer.vector_u.detach().clone()
    out = layer(x, training=True)
    assert torch.isfinite(out).all()
    assert torch.equal(layer.kernel,
                       torch.zeros(2, 3, device=layer.kernel.device))
    assert torch.equal(layer.vector_u, u)


def test_gradients_reach_wrapped_weights():
    layer = SpectralNormalization(Dense(3))
    layer(torch.randn(4, 2), training=True).square().sum().backward()
    assert layer.layer.kernel.grad is not None
    assert layer.layer.bias.grad is not None
    assert layer.vector_u.grad is None


def test_config_matches_keras(keras_ref):
    ours = SpectralNormalization(Dense(4, name="d"), power_iterations=2,
                                 name="sn")
    theirs = keras_ref.layers.SpectralNormalization(
        keras_ref.layers.Dense(4, name="d"), power_iterations=2, name="sn")
    assert ours.get_config() == theirs.get_config()
    clone = SpectralNormalization.from_config(ours.get_config())
    assert isinstance(clone.layer, Dense) and clone.power_iterations == 2


def test_layer_without_kernel_raises():
    layer = SpectralNormalization(Dropout(0.5))
    with pytest.raises(ValueError, match="`kernel` or `embeddings`"):
        layer(torch.zeros(2, 3))


@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_invalid_power_iterations_raise(value):
    with pytest.raises(ValueError, match="`power_iterations`"):
        SpectralNormalization(Dense(2), power_iterations=value)


def test_non_layer_argument_raises():
    with pytest.raises(ValueError, match="`layer`"):
        SpectralNormalization(torch.nn.Linear(2, 2))
