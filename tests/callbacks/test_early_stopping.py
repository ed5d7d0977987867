"""EarlyStopping in real `fit` runs, with the monitored value scripted."""

import warnings

import numpy as np
import pytest

import lamina
from lamina.callbacks import EarlyStopping


def _run(module, build, data, scripted, values, capture=None, **kwargs):
    model = build(module)
    script = scripted(module, values)
    stopper = module.callbacks.EarlyStopping(monitor="score", **kwargs)

    def fit():
        model.fit(data["x"], data["y"], batch_size=25, epochs=len(values),
                  shuffle=False, verbose=0, callbacks=[script, stopper])

    text = capture(fit) if capture else fit()
    return model, script, stopper, text


@pytest.mark.parametrize("kwargs, values, stopped_epoch, best_epoch", [
    ({"mode": "min", "patience": 0}, [3, 2, 2.5, 1, 0], 2, 1),
    ({"mode": "min", "patience": 2}, [3, 2, 2.5, 1, 1.5, 1.2, 0], 5, 3),
    ({"mode": "min", "patience": 1, "min_delta": 0.6}, [3, 2.3, 2, 1.9], 2,
     1),
    ({"mode": "max", "patience": 2}, [0.1, 0.5, 0.4, 0.3, 0.9], 3, 1),
    # Improving on the best but not on the baseline uses up patience.
    ({"mode": "min", "patience": 1, "baseline": 1.0}, [3, 2, 2.5, 0.5], 2,
     1),
    ({"mode": "min", "patience": 1, "baseline": 1.0}, [3, 2, 1.5, 0.5], 0,
     3),
    ({"mode": "min", "patience": 0, "start_from_epoch": 2},
     [3, 4, 5, 4.5, 6], 4, 3),
    ({"mode": "min", "patience": 3}, [5, 4, 3, 2], 0, 3),
])
def test_stops_and_restores_best_weights(kwargs, values, stopped_epoch,
                                         best_epoch, build, data, scripted):
    model, script, stopper, _ = _run(lamina, build, data, scripted, values,
                                     restore_best_weights=True, **kwargs)
    epochs_run = stopped_epoch + 1 if stopped_epoch else len(values)
    assert model.history.epoch == list(range(epochs_run))
    assert len(model.history.history["loss"]) == epochs_run
    assert stopper.stopped_epoch == stopped_epoch
    assert stopper.best_epoch == best_epoch
    for restored, best in zip(model.get_weights(), script.weights[best_epoch]):
        np.testing.assert_array_equal(restored, best)


@pytest.mark.parametrize("kwargs, values", [
    ({"mode": "min", "patience": 1, "verbose": 1}, [3, 2, 2.5, 2.6, 1]),
    ({"mode": "min", "patience": 0, "verbose": 1,
      "restore_best_weights": True,
      "min_delta": -0.5}, [3, 3.2, 3.9, 1]),
    ({"mode": "max", "patience": 1, "baseline": 5, "verbose": 1,
      "restore_best_weights": True}, [1, 2, 3, 4]),
])
def test_matches_keras(kwargs, values, keras_ref, build, data, scripted,
                       capture):
    results = []
    for module in (keras_ref, lamina):
        model, _, stopper, text = _run(module, build, data, scripted, values,
                                       capture, **kwargs)
        results.append((text, len(model.history.history["loss"]),
                        stopper.stopped_epoch, stopper.best_epoch,
                        stopper.wait, stopper.best))
    assert results[1] == results[0]


def test_messages(build, data, scripted, capture):
    _, _, _, text = _run(lamina, build, data, scripted, [1, 2, 3], capture,
                         mode="min", verbose=1, restore_best_weights=True)
    assert text == ("Epoch 2: early stopping\n"
                    "Restoring model weights from the end of the best "
                    "epoch: 1.\n")


def test_without_restore_keeps_last_weights(build, data, scripted):
    model, script, _, _ = _run(lamina, build, data, scripted, [1, 2, 3],
                               mode="min")
    for final, last in zip(model.get_weights(), script.weights[-1]):
        np.testing.assert_array_equal(final, last)


def test_monitors_val_loss_by_default(build, data):
    model = build(lamina, learning_rate=0.0)  # val_loss never improves
    stopper = EarlyStopping(patience=1)
    history = model.fit(data["x"], data["y"], epochs=10, verbose=0,
                        validation_data=(data["x_val"], data["y_val"]),
                        callbacks=[stopper])
    assert len(history.epoch) == 2 and stopper.stopped_epoch == 1


def test_auto_mode_reads_metric_direction(build, data, scripted):
    # accuracy goes "up": a falling accuracy is no improvement.
    model = build(lamina)
    stopper = EarlyStopping(monitor="accuracy", patience=0)
    script = scripted(lamina, [0.9, 0.5, 0.4], key="accuracy")
    model.fit(data["x"], data["y"], epochs=3, verbose=0,
              callbacks=[script, stopper])
    assert stopper.monitor_op(2, 1) and stopper.stopped_epoch == 1


def test_reusable_across_fits(build, data, scripted):
    model = build(lamina)
    stopper = EarlyStopping(monitor="score", mode="min")
    for _ in range(2):
        model.fit(data["x"], data["y"], epochs=3, verbose=0,
                  callbacks=[scripted(lamina, [1, 2, 3]), stopper])
        assert model.history.epoch == [0, 1] and stopper.best == 1


def test_unknown_mode_warns_and_falls_back():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'up' is "
                                         "unknown, fallback to auto mode."):
        stopper = EarlyStopping(mode="up")
    assert stopper.mode == "auto"


def test_missing_monitor_warns(build, data):
    model = build(lamina)
    with pytest.warns(UserWarning, match=r"Early stopping conditioned on "
                      r"metric `val_acc` which is not available\. Available "
                      r"metrics are: accuracy,loss"):
        history = model.fit(data["x"], data["y"], epochs=2, verbose=0,
                            callbacks=[EarlyStopping(monitor="val_acc",
                                                     mode="max")])
    assert len(history.epoch) == 2


def test_undetermined_direction_fails(build, data, scripted):
    model = build(lamina)
    with pytest.raises(ValueError, match="monitor=score, but .* isn't able "
                                         "to automatically determine"):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[scripted(lamina, [1.0]),
                             EarlyStopping(monitor="score")])


def test_defaults():
    stopper = EarlyStopping()
    assert (stopper.monitor, stopper.min_delta, stopper.patience,
            stopper.verbose, stopper.mode, stopper.baseline,
            stopper.restore_best_weights, stopper.start_from_epoch) == (
        "val_loss", 0, 0, 0, "auto", None, False, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EarlyStopping(mode="max", min_delta=-0.1)
