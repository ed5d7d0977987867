"""LossScaleOptimizer against Keras 3: scaling, skipped steps, growth."""

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from lamina.layers.variable import Variable

INITIAL = [np.array([[1.0, -2.0], [0.5, 3.0]], "float32"),
           np.array([0.1, -0.1], "float32")]


def grad_steps():
    rng = np.random.default_rng(0)
    steps = [[rng.standard_normal(v.shape).astype("float32") * 1024
              for v in INITIAL] for _ in range(5)]
    steps[2][1][0] = np.inf  # skipped: the scale halves
    return steps


def run(module, variables):
    optimizer = module.LossScaleOptimizer(
        module.SGD(0.01, momentum=0.9), initial_scale=1024.0,
        dynamic_growth_steps=2)
    scales = []
    for grads in grad_steps():
        optimizer.apply([torch.tensor(g) for g in grads], variables)
        scales.append(float(optimizer.dynamic_scale))
    return optimizer, scales


def test_matches_keras(keras_ref):
    keras_opt, keras_scales = run(keras_ref.optimizers, [
        keras_ref.Variable(v, name=n) for v, n in zip(INITIAL, "kb")])
    keras_ref.backend.clear_session(free_memory=False)
    variables = [Variable(torch.tensor(v), name=n, path=n)
                 for v, n in zip(INITIAL, "kb")]
    lamina_opt, scales = run(optimizers, variables)
    assert scales == keras_scales == [1024.0, 2048.0, 1024.0, 1024.0, 2048.0]
    for v, k in zip(variables, keras_opt.inner_optimizer._trainable_variables):
        np.testing.assert_allclose(v.detach().cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(k),
                                   rtol=1e-5, atol=1e-6)
    assert [(v.path, tuple(v.shape)) for v in lamina_opt.variables] == [
        (v.path, tuple(v.shape)) for v in keras_opt.variables]
    assert int(lamina_opt.iterations) == int(keras_opt.iterations) == 4
    assert lamina_opt.get_config() == keras_opt.get_config()
    keras_config = keras_ref.optimizers.serialize(keras_opt)
    restored = optimizers.deserialize(keras_config)
    assert isinstance(restored, optimizers.LossScaleOptimizer)
    assert restored.get_config() == keras_opt.get_config()


def test_scale_loss_and_learning_rate():
    optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.01),
                                              initial_scale=8.0)
    assert optimizer.scale_loss(torch.tensor(2.0)) == 16.0
    optimizer.learning_rate = 0.5
    assert float(optimizer.inner_optimizer.learning_rate) == 0.5
    assert optimizer.inner_optimizer.loss_scale_factor is None


def test_invalid_arguments():
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="does not support arguments: `foo`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), foo=1)
    with pytest.raises(ValueError, match="`inner_optimizer`"):
        optimizers.LossScaleOptimizer("sgd")
    # Base arguments at their defaults are accepted (older configs).
    optimizers.LossScaleOptimizer(optimizers.SGD(), use_ema=False)
