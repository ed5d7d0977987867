"""LambdaCallback calls the given functions with Keras's arguments."""

import pytest

import lamina
from lamina.callbacks import LambdaCallback


def test_each_hook_called_with_its_arguments(build, data):
    calls = []

    def hook(name):
        return lambda *args, **kwargs: calls.append((name, args, kwargs))

    callback = LambdaCallback(
        on_epoch_begin=hook("epoch_begin"),
        on_epoch_end=hook("epoch_end"),
        on_train_begin=hook("train_begin"),
        on_train_end=hook("train_end"),
        on_train_batch_begin=hook("batch_begin"),
        on_train_batch_end=hook("batch_end"),
    )
    model = build(lamina)
    model.fit(data["x"], data["y"], batch_size=50, epochs=2, verbose=0,
              callbacks=[callback])
    names = [name for name, _, _ in calls]
    assert names == ["train_begin"] + [
        "epoch_begin", "batch_begin", "batch_end", "batch_begin",
        "batch_end", "epoch_end"] * 2 + ["train_end"]
    by_name = {}
    for name, args, kwargs in calls:
        by_name.setdefault(name, []).append((args, kwargs))
    assert by_name["train_begin"] == [(({},), {})]
    assert [a for a, _ in by_name["epoch_begin"]] == [(0, {}), (1, {})]
    # Batch hooks get `logs` by keyword, as in Keras.
    args, kwargs = by_name["batch_end"][1]
    assert args == (1,) and set(kwargs) == {"logs"}
    assert set(kwargs["logs"]) == {"accuracy", "loss"}
    epoch, logs = by_name["epoch_end"][1][0]
    assert epoch == 1 and logs == {
        k: v[1] for k, v in model.history.history.items()}
    assert set(by_name["train_end"][0][0][0]) == {"accuracy", "loss"}


def test_other_hooks_as_keyword_arguments(build, data):
    calls = []
    callback = LambdaCallback(
        on_test_begin=lambda logs: calls.append("test_begin"),
        on_test_batch_end=lambda batch, logs: calls.append(("test", batch)),
        on_predict_end=lambda logs: calls.append("predict_end"),
    )
    model = build(lamina)
    model.evaluate(data["x_val"], data["y_val"], batch_size=20, verbose=0,
                   callbacks=[callback])
    model.predict(data["x_val"], verbose=0, callbacks=[callback])
    assert calls == ["test_begin", ("test", 0), ("test", 1), "predict_end"]


def test_unset_hooks_do_nothing(build, data):
    model = build(lamina)
    model.fit(data["x"], data["y"], epochs=1, verbose=0,
              callbacks=[LambdaCallback()])
    assert model.history.epoch == [0]


def test_stop_training_from_a_lambda(build, data):
    model = build(lamina)

    def stop(batch, logs):
        if batch == 1:
            model.stop_training = True

    model.fit(data["x"], data["y"], batch_size=10, epochs=3, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_end=stop)])
    assert model.history.epoch == [0]


def test_wrong_signature_fails_like_keras(build, data):
    # Keras passes batch logs by keyword: a function without a `logs`
    # parameter fails.
    model = build(lamina)
    with pytest.raises(TypeError):
        model.fit(data["x"], data["y"], epochs=1, verbose=0, callbacks=[
            LambdaCallback(on_train_batch_end=lambda batch, values: None)])
