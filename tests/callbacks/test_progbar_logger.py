"""The text of fit/evaluate/predict progress bars, byte for byte as Keras 3
prints it for the same model (time frozen, moved only by a ticker)."""

import re
import traceback

import pytest

import lamina
from lamina.callbacks import ProgbarLogger
from lamina.trainers.logs import LazyLogs


def _fit(epochs, verbose, validation=False, **kwargs):
    def run(module, model, data, callbacks):
        extra = {}
        if validation:
            extra["validation_data"] = (data["x_val"], data["y_val"])
        model.fit(data["x"], data["y"], batch_size=8, epochs=epochs,
                  shuffle=False, verbose=verbose, callbacks=callbacks,
                  **extra, **kwargs)

    return run


def _evaluate(module, model, data, callbacks):
    model.evaluate(data["x_val"], data["y_val"], batch_size=4,
                   callbacks=callbacks)


def _predict(module, model, data, callbacks):
    model.predict(data["x_val"], batch_size=4, callbacks=callbacks)


def _evaluate_and_predict_verbose_2(module, model, data, callbacks):
    model.evaluate(data["x_val"], data["y_val"], batch_size=4, verbose=2,
                   callbacks=callbacks)
    model.predict(data["x_val"], batch_size=4, verbose=2,
                  callbacks=callbacks)


def _fit_generator(module, model, data, callbacks):
    def batches():
        for start in range(0, 100, 10):
            yield data["x"][start:start + 10], data["y"][start:start + 10]

    model.fit(batches(), epochs=1, callbacks=callbacks)


def _fit_split(module, model, data, callbacks):
    model.fit(data["x"], data["y"], batch_size=16, epochs=2, shuffle=False,
              validation_split=0.2, callbacks=callbacks)


SCENARIOS = {
    "fit_1_epoch_verbose_1": _fit(1, 1),
    "fit_3_epochs_verbose_1_validation": _fit(3, 1, validation=True),
    "fit_3_epochs_verbose_1": _fit(3, "auto"),
    "fit_1_epoch_verbose_2_validation": _fit(1, 2, validation=True),
    "fit_3_epochs_verbose_2_validation": _fit(3, 2, validation=True),
    "fit_3_epochs_verbose_2": _fit(3, 2),
    "fit_validation_split": _fit_split,
    "evaluate": _evaluate,
    "predict": _predict,
    "evaluate_and_predict_verbose_2": _evaluate_and_predict_verbose_2,
    "unknown_target": _fit_generator,
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_text_matches_keras(name, keras_ref, build, capture, ticker, data):
    scenario = SCENARIOS[name]

    def run(module):
        model = build(module)
        return capture(lambda: scenario(module, model, data,
                                        [ticker(module)]))

    expected = run(keras_ref)
    assert expected  # the scenario printed something
    assert run(lamina) == expected


def test_fit_text_without_reference(build, capture, ticker, data):
    # Known bytes, so the format stays checked where Keras is not installed.
    def run():
        model = build(lamina)
        model.fit(data["x"][:16], data["y"][:16], batch_size=8, epochs=2,
                  shuffle=False, verbose=2, callbacks=[ticker(lamina)])

    text = capture(run)
    lines = text.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("2/2 - 0s - 13ms/step - accuracy: ")
    assert lines[2] == "Epoch 2/2"
    assert len(lines) == 4 and text.endswith("\n")


def test_verbose_0_prints_nothing(build, capture, data):
    model = build(lamina)

    def run():
        model.fit(data["x"], data["y"], epochs=2, verbose=0,
                  validation_data=(data["x_val"], data["y_val"]))
        model.evaluate(data["x"], data["y"], verbose=0)
        model.predict(data["x"], verbose=0)

    assert capture(run) == ""


def test_batch_logs_read_only_on_redraw(build, capture, clock, data,
                                        monkeypatch):
    """With time frozen, the bar redraws only at the first batch and at the
    epoch's end, so the bar reads lazy batch logs (a device sync) once."""
    reads = []
    original = LazyLogs._resolved

    def counting(self):
        if self._values is None and any(
            frame.filename.endswith("progbar.py")
            for frame in traceback.extract_stack()
        ):
            reads.append(1)
        return original(self)

    monkeypatch.setattr(LazyLogs, "_resolved", counting)
    model = build(lamina)
    capture(lambda: model.fit(data["x"], data["y"], batch_size=4, epochs=1,
                              verbose=1))
    assert len(reads) == 1
    reads.clear()
    capture(lambda: model.fit(data["x"], data["y"], batch_size=4, epochs=2,
                              verbose=2))
    assert reads == []


def test_redraws_follow_the_50ms_interval(build, capture, clock, data):
    class Tick(lamina.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            clock.now += 0.02

    model = build(lamina)
    text = capture(lambda: model.fit(data["x"], data["y"], batch_size=4,
                                     epochs=1, callbacks=[Tick()]))
    # 25 batches, 20 ms apart: drawn at batch 1, then every 3rd batch
    # (60 ms >= 50 ms), then once more to finalize the epoch.
    counters = re.findall(r"\x1b\[1m *(\d+)/25\x1b\[0m", text)
    assert counters == ["1", "4", "7", "10", "13", "16", "19", "22", "25",
                        "25"]


def test_set_params():
    logger = ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 3, "steps": 7})
    assert (logger.verbose, logger.epochs, logger.target) == (1, 3, 7)
    assert logger.params == {"verbose": "auto", "epochs": 3, "steps": 7}


def test_explicit_logger_is_used_once(build, capture, data):
    logger = ProgbarLogger()
    model = build(lamina)
    text = capture(lambda: model.fit(data["x"], data["y"], epochs=1,
                                     verbose=1, callbacks=[logger]))
    assert logger.progbar is not None and logger.seen == 4
    # One bar, drawn at the first batch and the last one.
    assert text.count("4/4") == 1 and text.endswith("\n")
