"""mixed_float16 training: the loss scale optimizer `compile` adds, and
skipped steps on inf/NaN gradients, against Keras 3."""

import numpy as np
import pytest
import torch

import lamina as keras

RNG = np.random.default_rng(1)
X = RNG.standard_normal((64, 8)).astype("float32")
Y = RNG.standard_normal((64, 3)).astype("float32")


def _model(lib, policy="mixed_float16"):
    return lib.Sequential([
        lib.Input((8,)),
        lib.layers.Dense(16, activation="relu", dtype=policy),
        lib.layers.Dense(3, dtype="float32"),
    ])


def _fit_both(keras_ref, make_optimizer, epochs=2, **compile_kwargs):
    # Seeded: which of the first steps overflow depends on the initial
    # weights, which the tests around this one would otherwise leave to
    # chance.
    keras_ref.utils.set_random_seed(1)
    theirs, ours = _model(keras_ref), _model(keras)
    ours.set_weights([w.numpy() for w in theirs.weights])
    results = []
    for lib, model in ((keras_ref, theirs), (keras, ours)):
        model.compile(make_optimizer(lib), "mse", **compile_kwargs)
        history = model.fit(X, Y, batch_size=16, epochs=epochs,
                            shuffle=False, verbose=0)
        results.append((model, history.history["loss"]))
    return results


def test_global_mixed_float16_wraps_optimizer_as_keras(keras_ref):
    keras.mixed_precision.set_global_policy("mixed_float16")
    keras_ref.mixed_precision.set_global_policy("mixed_float16")
    try:
        (theirs, their_loss), (ours, our_loss) = _fit_both(
            keras_ref, lambda lib: lib.optimizers.SGD(0.05))
    finally:
        keras.mixed_precision.set_global_policy(None)
        keras_ref.mixed_precision.set_global_policy("float32")
    assert isinstance(ours.optimizer, keras.mixed_precision.LossScaleOptimizer)
    assert [v.path for v in ours.optimizer.variables] == \
        [v.path for v in theirs.optimizer.variables]
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-4)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_overflowing_steps_are_skipped_as_keras(keras_ref):
    """A scale of 2**24 overflows float16 gradients: the first steps are
    skipped (weights untouched, scale halved), then training resumes and
    the scale grows after `dynamic_growth_steps` finite steps."""
    def optimizer(lib):
        return lib.optimizers.LossScaleOptimizer(
            lib.optimizers.SGD(0.05), initial_scale=2.0**24,
            dynamic_growth_steps=2)

    (theirs, their_loss), (ours, our_loss) = _fit_both(keras_ref, optimizer,
                                                       epochs=3)
    ours_opt, theirs_opt = ours.optimizer, theirs.optimizer
    assert float(ours_opt.dynamic_scale) == \
        float(theirs_opt.dynamic_scale.numpy())
    assert int(ours_opt.iterations) == int(theirs_opt.iterations.numpy()) > 0
    assert int(ours_opt.step_counter) == \
        int(theirs_opt.step_counter.numpy())
    assert our_loss[0] == pytest.approx(their_loss[0], rel=1e-5)
    assert our_loss[0] == our_loss[1]  # the first epoch's steps all skipped
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_nan_gradient_leaves_weights_unchanged():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = _model(keras)
    finally:
        keras.mixed_precision.set_global_policy(None)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    layer_weights = [w.copy() for w in model.get_weights()]
    bad = X[:16].copy()
    bad[0, 0] = np.nan
    model.train_on_batch(bad, Y[:16])
    for got, before in zip(model.get_weights(), layer_weights):
        np.testing.assert_array_equal(got, before)
    assert float(model.optimizer.dynamic_scale) == 2.0**14
    assert int(model.optimizer.iterations) == 0
    model.train_on_batch(X[:16], Y[:16])
    assert int(model.optimizer.iterations) == 1
    assert not np.array_equal(model.get_weights()[0], layer_weights[0])


def test_auto_scale_loss_off_and_bfloat16_keep_the_optimizer():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = _model(keras)
    finally:
        keras.mixed_precision.set_global_policy(None)
    model.compile("sgd", "mse", auto_scale_loss=False)
    assert not isinstance(model.optimizer,
                          keras.optimizers.LossScaleOptimizer)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = _model(keras, policy="mixed_bfloat16")
        model.compile("sgd", "mse")
        assert not isinstance(model.optimizer,
                              keras.optimizers.LossScaleOptimizer)
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
        assert all(w.dtype == torch.float32 for w in model.weights)
        assert model(X).dtype == torch.float32  # the float32 head
        assert model.layers[0](X).dtype == torch.bfloat16
    finally:
        keras.mixed_precision.set_global_policy(None)
