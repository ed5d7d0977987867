"""ReduceLROnPlateau in real `fit` runs, with the monitored value scripted."""

import numpy as np
import pytest

import lamina
from lamina.callbacks import ReduceLROnPlateau


def _run(module, build, data, scripted, values, capture=None, **kwargs):
    model = build(module, learning_rate=0.1)
    rates = []
    record = module.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: rates.append(
            float(np.asarray(model.optimizer.learning_rate))))
    reducer = module.callbacks.ReduceLROnPlateau(monitor="score", **kwargs)

    def fit():
        model.fit(data["x"], data["y"], batch_size=50, epochs=len(values),
                  shuffle=False, verbose=0,
                  callbacks=[record, scripted(module, values), reducer])

    text = capture(fit) if capture else fit()
    return model, rates, reducer, text


def test_lowers_lr_after_patience(build, data, scripted):
    model, rates, reducer, _ = _run(
        lamina, build, data, scripted, [3, 2, 2, 2, 2, 2, 1], mode="min",
        patience=2, factor=0.5)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05,
                                       0.025], rtol=1e-6)
    # The rate before each epoch's reduction is logged as `learning_rate`.
    np.testing.assert_allclose(model.history.history["learning_rate"],
                               rates, rtol=1e-6)
    assert reducer.best == 1 and reducer.wait == 0


def test_cooldown_and_min_lr(build, data, scripted):
    _, rates, _, _ = _run(lamina, build, data, scripted, [1] * 8,
                          mode="min", patience=1, factor=0.1, cooldown=2,
                          min_lr=0.0005)
    # Reduced at the end of epochs 1, 3 and 5: the cooldown counter drops
    # at the start of each epoch's check, so 2 cooldown epochs leave one
    # epoch unwatched (as in Keras); the last one is floored at min_lr.
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001,
                                       0.0005, 0.0005], rtol=1e-6)


@pytest.mark.parametrize("kwargs, values", [
    ({"mode": "min", "patience": 1, "factor": 0.5, "verbose": 1},
     [3, 3, 2, 2.5, 2.4, 2.6]),
    ({"mode": "max", "patience": 0, "factor": 0.2, "verbose": 1,
      "cooldown": 1, "min_delta": 0.1, "min_lr": 0.002},
     [1, 1.05, 1.2, 1.1, 1.0, 0.9, 0.8]),
])
def test_matches_keras(kwargs, values, keras_ref, build, data, scripted,
                       capture):
    results = []
    for module in (keras_ref, lamina):
        model, rates, reducer, text = _run(module, build, data, scripted,
                                           values, capture, **kwargs)
        results.append((text, np.round(rates, 8).tolist(),
                        model.history.history["learning_rate"], reducer.wait,
                        reducer.cooldown_counter, reducer.best))
    assert results[1] == results[0]


def test_new_lr_used_by_next_step(build, data):
    # Reduced to ~0 at the end of epoch 1: the weights stop moving from the
    # next step on.
    model = build(lamina, learning_rate=0.5)
    reducer = ReduceLROnPlateau(monitor="loss", patience=0, factor=1e-30,
                                min_delta=100.0)
    weights = []
    record = lamina.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    model.fit(data["x"], data["y"], batch_size=10, epochs=3, verbose=0,
              callbacks=[reducer, record])
    assert not np.allclose(weights[0][0], build(lamina).get_weights()[0])
    np.testing.assert_allclose(weights[2][0], weights[1][0], atol=1e-12)


def test_missing_monitor_warns(build, data):
    model = build(lamina)
    with pytest.warns(UserWarning, match=r"Learning rate reduction is "
                      r"conditioned on metric `val_loss` which is not "
                      r"available\. Available metrics are: accuracy,loss,"
                      r"learning_rate\."):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[ReduceLROnPlateau()])


def test_factor_must_be_below_one():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. "
                                         "Received factor=1.5"):
        ReduceLROnPlateau(factor=1.5)


def test_unknown_mode_warns():
    with pytest.warns(UserWarning, match="ReduceLROnPlateau mode 'lowest' "
                                         "is unknown, fallback to auto mode"):
        assert ReduceLROnPlateau(mode="lowest").mode == "auto"


def test_keras_2_epsilon_alias():
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        reducer = ReduceLROnPlateau(epsilon=0.3)
    assert reducer.min_delta == 0.3
    with pytest.warns(UserWarning, match="ignores unrecognized arguments: "
                                         r"\['foo'\]"):
        ReduceLROnPlateau(foo=1)


def test_defaults():
    reducer = ReduceLROnPlateau()
    assert (reducer.monitor, reducer.factor, reducer.patience,
            reducer.verbose, reducer.mode, reducer.min_delta,
            reducer.cooldown, reducer.min_lr) == (
        "val_loss", 0.1, 10, 0, "auto", 1e-4, 0, 0.0)
