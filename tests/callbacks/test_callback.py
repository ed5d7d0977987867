"""A Callback subclass sees every hook, in Keras's order, and can stop the
loops; CallbackList hands logs over as Keras does."""

import numpy as np
import pytest

import lamina
from lamina.callbacks import Callback
from lamina.callbacks import CallbackList
from lamina.callbacks import History
from lamina.callbacks import ProgbarLogger

HOOKS = [
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
    "on_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin",
    "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end",
]


def _recorder(module):
    """A subclass overriding every hook; records (hook, index, logs keys,
    whether logs came by keyword)."""

    def make_hook(name):
        base = getattr(module.callbacks.Callback, name)

        def hook(self, *args, **kwargs):
            logs = kwargs["logs"] if "logs" in kwargs else args[-1]
            index = args[0] if len(args) > 1 or "logs" in kwargs else None
            self.calls.append((name, index, sorted(logs or {}),
                               "logs" in kwargs))
            return base(self, *args, **kwargs)

        return hook

    cls = type("Recorder", (module.callbacks.Callback,),
               {name: make_hook(name) for name in HOOKS})
    recorder = cls()
    recorder.calls = []
    return recorder


def _run_all(module, build, data):
    model = build(module)
    recorder = _recorder(module)
    model.fit(data["x"][:10], data["y"][:10], batch_size=4, epochs=2,
              verbose=0, validation_data=(data["x_val"][:6],
                                          data["y_val"][:6]),
              callbacks=[recorder])
    model.evaluate(data["x"][:10], data["y"][:10], batch_size=5, verbose=0,
                   callbacks=[recorder])
    model.predict(data["x"][:10], batch_size=5, verbose=0,
                  callbacks=[recorder])
    return recorder.calls


def test_hook_order_matches_keras(keras_ref, build, data):
    assert _run_all(lamina, build, data) == _run_all(keras_ref, build, data)


def test_hook_order(build, data):
    calls = [(name, index) for name, index, _, _ in
             _run_all(lamina, build, data)]
    train_batch = lambda i: [("on_train_batch_begin", i),  # noqa: E731
                             ("on_batch_begin", i),
                             ("on_train_batch_end", i), ("on_batch_end", i)]
    test_batch = lambda i: [("on_test_batch_begin", i),  # noqa: E731
                            ("on_test_batch_end", i)]
    epoch = lambda e: ([("on_epoch_begin", e)] + train_batch(0)  # noqa
                       + train_batch(1) + train_batch(2)
                       + [("on_test_begin", None)] + test_batch(0)
                       + test_batch(1)
                       + [("on_test_end", None), ("on_epoch_end", e)])
    expected = ([("on_train_begin", None)] + epoch(0) + epoch(1)
                + [("on_train_end", None)]
                + [("on_test_begin", None)] + test_batch(0) + test_batch(1)
                + [("on_test_end", None), ("on_predict_begin", None)]
                + [("on_predict_batch_begin", 0), ("on_predict_batch_end", 0),
                   ("on_predict_batch_begin", 1), ("on_predict_batch_end", 1),
                   ("on_predict_end", None)])
    assert calls == expected


def test_params_and_model(build, data):
    seen = {}

    class Probe(Callback):
        def on_train_begin(self, logs=None):
            seen["params"] = dict(self.params)
            seen["model"] = self.model

    model = build(lamina)
    history = model.fit(data["x"], data["y"], batch_size=30, epochs=2,
                        verbose=2, callbacks=[Probe()])
    assert seen["params"] == {"verbose": 2, "epochs": 2, "steps": 4}
    assert seen["model"] is model
    assert history.params == seen["params"] and history.epoch == [0, 1]


@pytest.mark.parametrize("hook, epochs_run, batches_in_last", [
    ("on_train_batch_end", 1, 2),
    ("on_epoch_end", 2, 4),
])
def test_stop_training(hook, epochs_run, batches_in_last, build, data):
    batches = []

    class Stopper(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            batches.append(batch)

    def stop(self, *args, **kwargs):
        if hook == "on_epoch_end" and args[0] == 1 or (
                hook == "on_train_batch_end" and args[0] == 1):
            self.model.stop_training = True

    setattr(Stopper, hook, stop)
    model = build(lamina)
    history = model.fit(data["x"], data["y"], batch_size=30, epochs=5,
                        verbose=0, callbacks=[Stopper()])
    assert history.epoch == list(range(epochs_run))
    assert batches[-batches_in_last:] == list(range(batches_in_last))
    # The next fit starts afresh.
    model.fit(data["x"], data["y"], epochs=1, verbose=0)
    assert model.history.epoch == [0]


def test_stop_evaluating_and_predicting(build, data):
    class Stopper(Callback):
        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = True

        def on_predict_batch_end(self, batch, logs=None):
            self.model.stop_predicting = True

    model = build(lamina)
    model.evaluate(data["x"], data["y"], batch_size=10, verbose=0,
                   callbacks=[Stopper()])
    outputs = model.predict(data["x"], batch_size=10, verbose=0,
                            callbacks=[Stopper()])
    assert outputs.shape == (10, 3)


def test_epoch_logs_are_sorted_fresh_dicts(build, data):
    seen = []

    class Adder(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0

    class Reader(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(list(logs))

        def on_train_end(self, logs=None):
            seen.append(list(logs))

    model = build(lamina)
    history = model.fit(data["x"], data["y"], epochs=1, verbose=0,
                        validation_data=(data["x_val"], data["y_val"]),
                        callbacks=[Adder(), Reader()])
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    # Later callbacks (and History) see the addition; the trainer's own
    # logs (passed to on_train_end) do not.
    assert seen == [keys + ["extra"], keys]
    assert list(history.history) == keys + ["extra"]


def test_callback_list_order_and_defaults():
    user = Callback()
    callbacks = CallbackList([user], add_history=True, add_progbar=True,
                             verbose=1, epochs=1, steps=2)
    assert callbacks.callbacks[0] is user
    assert isinstance(callbacks.callbacks[1], History)
    assert isinstance(callbacks.callbacks[2], ProgbarLogger)
    progbar = ProgbarLogger()
    callbacks = CallbackList([progbar], add_progbar=True, verbose=1,
                             epochs=1, steps=2)
    assert callbacks.callbacks == [progbar]


def test_lone_callback_and_nested_lists(build, data):
    first, second = Callback(), Callback()
    assert CallbackList(first).callbacks == [first]
    assert CallbackList([first, [second]]).callbacks == [first, second]
    model = build(lamina)
    model.fit(data["x"], data["y"], epochs=1, verbose=0, callbacks=first)
    assert first.model is model


def test_non_callback_rejected():
    with pytest.raises(TypeError, match="Expected every callback"):
        CallbackList([object()])


def test_base_hooks_are_no_ops(build, data):
    model = build(lamina)
    history = model.fit(data["x"], data["y"], epochs=1, verbose=0,
                        callbacks=[Callback()])
    np.testing.assert_array_equal(history.epoch, [0])


def test_batch_logs_are_plain_per_step_dicts_for_user_callbacks():
    import numpy as np

    import lamina

    class Keeper(lamina.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.saved = []

        def on_train_batch_end(self, batch, logs=None):
            logs["lr"] = 0.01
            self.saved.append(logs)

    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).random((64, 3)).astype("float32")
    keeper = Keeper()
    model.fit(x, x.sum(1), batch_size=16, verbose=0, callbacks=[keeper])
    assert all(type(logs) is dict for logs in keeper.saved)
    losses = [logs["loss"] for logs in keeper.saved]
    assert len(set(losses)) == len(losses), "each entry is its own step"
