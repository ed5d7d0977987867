"""Shared by the callback tests: a controllable clock, stdout capture, and a
tiny classifier built the same way in Lamina and in Keras."""

import io
import sys
import time

import numpy as np
import pytest


class FakeClock:
    """Stands in for `time.time`: time moves only when a test moves it."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(time, "time", fake)
    # Keras redraws in place on posix even when piped; compare in that mode.
    import lamina.utils.progbar

    monkeypatch.setattr(lamina.utils.progbar, "_dynamic_display",
                        lambda: True)
    return fake


@pytest.fixture
def capture(clock):
    """`capture(fn)` runs `fn` from time 1000 s and returns what it printed."""

    def run(fn):
        buffer, saved = io.StringIO(), sys.stdout
        sys.stdout = buffer
        clock.now = 1000.0
        try:
            fn()
        finally:
            sys.stdout = saved
        return buffer.getvalue()

    return run


@pytest.fixture
def ticker(clock):
    """`ticker(module)`: a callback advancing the clock before every batch
    (13 ms train, 4 ms test, 2 ms predict), so some redraws are throttled.
    It also overrides the batch-end hooks, which turns off Keras's
    asynchronous dispatch of them (timings would race otherwise)."""

    def make(module):
        class Ticker(module.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                clock.now += 0.013

            def on_train_batch_end(self, batch, logs=None):
                pass

            def on_test_batch_begin(self, batch, logs=None):
                clock.now += 0.004

            def on_test_batch_end(self, batch, logs=None):
                pass

            def on_predict_batch_begin(self, batch, logs=None):
                clock.now += 0.002

            def on_predict_batch_end(self, batch, logs=None):
                pass

        return Ticker()

    return make


@pytest.fixture(scope="session")
def data():
    rng = np.random.default_rng(0)
    return {
        "x": rng.normal(size=(100, 4)).astype("float32"),
        "y": rng.integers(0, 3, 100),
        "x_val": rng.normal(size=(40, 4)).astype("float32"),
        "y_val": rng.integers(0, 3, 40),
    }


def _build(module, learning_rate=0.1):
    model = module.Sequential([
        module.Input((4,)),
        module.layers.Dense(3, activation="softmax"),
    ])
    model.compile(module.optimizers.SGD(learning_rate),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights([
        np.linspace(-1, 1, 12).reshape(4, 3).astype("float32"),
        np.zeros(3, "float32"),
    ])
    return model


@pytest.fixture
def build():
    """`build(module, learning_rate=0.1)`: Dense(3, softmax) on 4 features,
    SGD, sparse crossentropy and accuracy, with fixed initial weights."""
    return _build


@pytest.fixture
def scripted():
    """`scripted(module, values, key="score")`: a callback that puts
    `values[epoch]` into the epoch logs under `key` (callbacks after it see
    it), and records the weights at each epoch's end in `.weights`."""

    def make(module, values, key="score"):
        class Scripted(module.callbacks.Callback):
            weights = []

            def on_epoch_end(self, epoch, logs=None):
                logs[key] = values[epoch]
                self.weights.append(self.model.get_weights())

        callback = Scripted()
        callback.weights = []
        return callback

    return make
