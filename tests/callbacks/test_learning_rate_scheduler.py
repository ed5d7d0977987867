"""LearningRateScheduler: the schedule sets the rate each epoch."""

import numpy as np
import pytest

import lamina
from lamina.callbacks import LearningRateScheduler


def _rates(module, build, data, schedule, epochs=4, capture=None,
           verbose=0):
    model = build(module, learning_rate=0.1)
    rates = []
    record = module.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(
            float(np.asarray(model.optimizer.learning_rate))))
    scheduler = module.callbacks.LearningRateScheduler(schedule,
                                                       verbose=verbose)

    def fit():
        model.fit(data["x"], data["y"], batch_size=50, epochs=epochs,
                  verbose=0, callbacks=[scheduler, record])

    text = capture(fit) if capture else fit()
    return model, rates, text


def test_two_argument_schedule(build, data):
    model, rates, _ = _rates(lamina, build, data,
                             lambda epoch, lr: lr if epoch < 2 else lr / 2)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(model.history.history["learning_rate"],
                               rates, rtol=1e-6)


def test_one_argument_schedule(build, data):
    _, rates, _ = _rates(lamina, build, data, lambda epoch: 0.01 * (epoch + 1))
    np.testing.assert_allclose(rates, [0.01, 0.02, 0.03, 0.04], rtol=1e-6)


def test_matches_keras(keras_ref, build, data, capture):
    results = []
    for module in (keras_ref, lamina):
        model, rates, text = _rates(
            module, build, data, lambda epoch, lr: lr * 0.5 ** epoch,
            capture=capture, verbose=1)
        results.append((text, rates, model.history.history["learning_rate"]))
    assert results[1] == results[0]
    assert results[1][0].startswith(
        "\nEpoch 1: LearningRateScheduler setting learning rate to "
        "0.10000000149011612.\n")


def test_zero_rate_freezes_weights_from_next_epoch(build, data):
    model = build(lamina, learning_rate=0.5)
    weights = []
    record = lamina.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    model.fit(data["x"], data["y"], batch_size=10, epochs=3, verbose=0,
              callbacks=[LearningRateScheduler(
                  lambda epoch: 0.5 if epoch == 0 else 0.0), record])
    np.testing.assert_array_equal(weights[1][0], weights[0][0])
    np.testing.assert_array_equal(weights[2][0], weights[0][0])
    assert not np.array_equal(weights[0][0], build(lamina).get_weights()[0])


def test_schedule_must_return_a_float(build, data):
    model = build(lamina)
    with pytest.raises(ValueError, match="The output of the `schedule` "
                                         "function should be a float. Got: 1"):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch: 1)])


def test_optimizer_without_learning_rate(build):
    class Bare:
        pass

    model = build(lamina)
    model.optimizer = Bare()
    scheduler = LearningRateScheduler(lambda epoch: 0.1)
    scheduler.set_model(model)
    with pytest.raises(ValueError, match='must have a "learning_rate"'):
        scheduler.on_epoch_begin(0)
