"""What custom training code written for Keras relies on: nested logs
from a custom step are flattened, `compute_loss` overrides without
`training` work, compile's `auto_scale_loss` and `make_*_function(force)`
do what Keras's do."""

import numpy as np
import pytest

import lamina as keras
from lamina import callbacks
from lamina import layers

RNG = np.random.default_rng(0)
X = RNG.random((16, 3)).astype("float32")
Y = np.eye(2, dtype="float32")[RNG.integers(0, 2, 16)]


def _guide_model(lib):
    """The Keras guide's custom train_step: logs are
    `{m.name: m.result() for m in self.metrics}`, so the compiled metrics
    arrive as one nested dict."""

    class GuideModel(lib.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            self.zero_grad()
            loss.backward()
            weights = self.trainable_weights
            self.optimizer.apply([w.value.grad for w in weights], weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = lib.Input((3,))
    model = GuideModel(inputs, lib.layers.Dense(2, activation="softmax")(
        inputs))
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    return model


def test_nested_step_logs_are_flattened_as_in_keras(keras_ref):
    seen = []

    class Spy(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(sorted(logs))

    model = _guide_model(keras)
    history = model.fit(X, Y, epochs=2, batch_size=8, verbose=0,
                        validation_data=(X, Y), callbacks=[Spy()])
    reference = _guide_model(keras_ref).fit(
        X, Y, epochs=2, batch_size=8, verbose=0, validation_data=(X, Y))
    assert sorted(history.history) == sorted(reference.history) == [
        "accuracy", "loss", "val_accuracy", "val_loss"]
    assert seen[-1] == ["accuracy", "loss"]
    assert all(isinstance(v, float) for v in history.history["accuracy"])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"]


def test_nested_logs_reach_the_progress_bar(capsys):
    _guide_model(keras).fit(X, Y, epochs=1, batch_size=16, verbose=2)
    out = capsys.readouterr().out
    assert "accuracy:" in out and "compile_metrics" not in out


@pytest.mark.parametrize("signature", ["no_training", "other_names"])
def test_compute_loss_override_without_training(signature):
    calls = []

    if signature == "no_training":
        class Custom(keras.Model):
            def compute_loss(self, x=None, y=None, y_pred=None,
                             sample_weight=None):
                calls.append(x is not None)
                return ((y_pred - y) ** 2).mean()
    else:
        class Custom(keras.Model):
            # Keras passes these positionally, so any names work.
            def compute_loss(self, inputs, targets, predictions, weights):
                calls.append(inputs is not None)
                return ((predictions - targets) ** 2).mean()

    inputs = keras.Input((3,))
    model = Custom(inputs, layers.Dense(2)(inputs))
    model.compile("sgd")
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    model.evaluate(X, Y, verbose=0)
    assert calls and all(calls)


def test_compute_loss_override_with_training_receives_it():
    modes = []

    class Custom(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None,
                         sample_weight=None, training=True):
            modes.append(training)
            return super().compute_loss(x, y, y_pred, sample_weight,
                                        training=training)

    inputs = keras.Input((3,))
    model = Custom(inputs, layers.Dense(2)(inputs))
    model.compile("sgd", "mse")
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    model.evaluate(X, Y, batch_size=16, verbose=0)
    assert modes == [True, False]


def test_auto_scale_loss_wraps_float16_optimizers_as_keras(keras_ref):
    for lib in (keras, keras_ref):
        class Float16Model(lib.Model):
            def __init__(self):
                super().__init__(dtype="mixed_float16")
                self.dense = lib.layers.Dense(2)

            def call(self, inputs):
                return self.dense(inputs)

        model = Float16Model()
        model.compile("sgd", "mse")
        assert type(model.optimizer).__name__ == "LossScaleOptimizer"
        model.compile("sgd", "mse", auto_scale_loss=False)
        assert type(model.optimizer).__name__ == "SGD"
    plain = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    plain.compile("sgd", "mse")
    assert type(plain.optimizer).__name__ == "SGD"
    with pytest.raises(ValueError, match="auto_scale_loss"):
        plain.compile("sgd", "mse", auto_scale_loss="yes")


def test_make_functions_are_built_once_unless_forced():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    for make in (model.make_train_function, model.make_test_function,
                 model.make_predict_function):
        first = make()
        assert make() is first
        assert make(force=True) is not first
    train = model.make_train_function()
    model.compile("sgd", "mse")
    assert model.make_train_function() is not train


def test_steps_per_execution_groups_steps_between_callbacks():
    seen = []

    class Spy(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("end", batch))

        def on_test_batch_end(self, batch, logs=None):
            seen.append(("test", batch))

    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse", steps_per_execution=3)
    x, y = np.zeros((28, 3), "float32"), np.zeros((28, 2), "float32")
    model.fit(x, y, batch_size=4, verbose=0, callbacks=[Spy()],
              validation_data=(x[:8], y[:8]))
    assert seen == [("begin", 0), ("end", 2), ("begin", 3), ("end", 5),
                    ("begin", 6), ("end", 6), ("test", 1)]
    assert int(model.optimizer.iterations) == 7
