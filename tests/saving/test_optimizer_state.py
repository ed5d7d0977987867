"""Optimizer state in `.keras` files: every built-in optimizer's slots are
in Keras's order, so training resumes identically on either side."""

import os

import numpy as np
import pytest

import lamina

OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.01}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Ftrl", {"learning_rate": 0.05}),
    ("Lion", {"learning_rate": 0.001}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Adafactor", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "gradient_accumulation_steps": 2}),
]


def build(lib, name, kwargs):
    model = lib.Sequential([lib.Input((5,)),
                            lib.layers.Dense(4, activation="tanh"),
                            lib.layers.Dense(2)])
    model.compile(optimizer=getattr(lib.optimizers, name)(**kwargs),
                  loss="mse")
    return model


def data():
    rng = np.random.default_rng(3)
    return (rng.normal(size=(32, 5)).astype("float32"),
            rng.normal(size=(32, 2)).astype("float32"))


def train(model):
    x, y = data()
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS,
                         ids=[f"{n}-{'-'.join(k)}" for n, k in OPTIMIZERS])
def test_keras_optimizer_state_resumes_in_lamina(keras_ref, tmp_path, name,
                                                 kwargs):
    theirs = build(keras_ref, name, kwargs)
    train(theirs)
    path = os.path.join(tmp_path, "k.keras")
    theirs.save(path)
    ours = lamina.saving.load_model(path)
    assert type(ours.optimizer).__name__ == name
    their_state = [keras_ref.ops.convert_to_numpy(v)
                   for v in theirs.optimizer.variables]
    our_state = [v.detach().cpu().numpy() for v in ours.optimizer.variables]
    assert [s.shape for s in our_state] == [s.shape for s in their_state]
    for a, b in zip(our_state, their_state):
        np.testing.assert_array_equal(a, b)

    train(theirs)
    train(ours)
    x, _ = data()
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               theirs.predict(x, verbose=0), atol=1e-4)

    # And back: Keras resumes from the state Lamina saved.
    path = os.path.join(tmp_path, "l.keras")
    ours.save(path)
    reloaded = keras_ref.saving.load_model(path)
    for a, b in zip(reloaded.optimizer.variables, ours.optimizer.variables):
        np.testing.assert_array_equal(keras_ref.ops.convert_to_numpy(a),
                                      b.detach().cpu().numpy())


def test_loss_scale_optimizer_nests_its_inner_optimizer(keras_ref, tmp_path):
    def build_scaled(lib):
        model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(2)])
        model.compile(optimizer=lib.optimizers.LossScaleOptimizer(
            lib.optimizers.Adam(0.01)), loss="mse")
        return model

    theirs = build_scaled(keras_ref)
    train(theirs)
    path = os.path.join(tmp_path, "k.keras")
    theirs.save(path)
    ours = lamina.saving.load_model(path)
    assert len(ours.optimizer.variables) == 10
    train(theirs)
    train(ours)
    x, _ = data()
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               theirs.predict(x, verbose=0), atol=1e-5)
    ours.save_weights(os.path.join(tmp_path, "l.weights.h5"))
    theirs.load_weights(os.path.join(tmp_path, "l.weights.h5"))
    for a, b in zip(theirs.optimizer.variables, ours.optimizer.variables):
        np.testing.assert_array_equal(keras_ref.ops.convert_to_numpy(a),
                                      b.detach().cpu().numpy())


def test_torch_optimizer_state_round_trip(tmp_path):
    import torch

    model = build(lamina, "SGD", {})
    model.compile(optimizer=torch.optim.AdamW, loss="mse")
    train(model)
    model.optimizer.learning_rate = 0.005
    path = os.path.join(tmp_path, "torch.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert int(loaded.optimizer.iterations) == 4
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)
    train(model)
    train(loaded)
    for a, b in zip(model.weights, loaded.weights):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
