"""TerminateOnNaN stops (or raises) at the first non-finite loss."""

import numpy as np
import pytest

import lamina
from lamina.callbacks import TerminateOnNaN


def _nan_data(data, row=20):
    x = data["x"].copy()
    x[row] = np.nan
    return x


def test_stops_at_nan_batch(build, data, capture):
    model = build(lamina)
    seen = []
    record = lamina.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    text = capture(lambda: model.fit(
        _nan_data(data), data["y"], batch_size=8, epochs=3, shuffle=False,
        verbose=0, callbacks=[TerminateOnNaN(), record]))
    # Row 20 is in batch 2 (rows 16-23): the last batch run.
    assert text == "Batch 2: Invalid loss, terminating training\n"
    assert seen == [0, 1, 2]
    assert model.history.epoch == [0] and model.stop_training


def test_inf_loss_stops_too(data, capture):
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    y = np.zeros((100, 1), "float32")
    y[30] = 1e20  # squared: overflows float32 to inf
    text = capture(lambda: model.fit(
        data["x"], y, batch_size=10, epochs=2, shuffle=False, verbose=0,
        callbacks=[TerminateOnNaN()]))
    assert text == "Batch 3: Invalid loss, terminating training\n"
    assert model.stop_training and model.history.epoch == [0]


def test_raise_error(build, data):
    model = build(lamina)
    with pytest.raises(RuntimeError, match=r"NaN or Inf loss encountered at "
                       r"batch 2\. Loss value: nan\. Terminating training "
                       r"immediately\."):
        model.fit(_nan_data(data), data["y"], batch_size=8, shuffle=False,
                  verbose=0, callbacks=[TerminateOnNaN(raise_error=True)])


def test_finite_loss_runs_everything(build, data):
    model = build(lamina)
    model.fit(data["x"], data["y"], batch_size=50, epochs=2, verbose=0,
              callbacks=[TerminateOnNaN()])
    assert model.history.epoch == [0, 1] and not model.stop_training


def test_matches_keras(keras_ref, build, data, capture):
    results = []
    for module in (keras_ref, lamina):
        model = build(module)
        text = capture(lambda: model.fit(
            _nan_data(data), data["y"], batch_size=8, epochs=2,
            shuffle=False, callbacks=[module.callbacks.TerminateOnNaN()],
            verbose=2))
        results.append((text, model.history.epoch))
    assert results[1] == results[0]
