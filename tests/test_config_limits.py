"""`keras.config` switches: backend, epoch and step caps, traceback
filtering, flash attention."""

import traceback
import warnings

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import config


@pytest.fixture(autouse=True)
def _restore():
    yield
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    config.enable_traceback_filtering()
    config.enable_flash_attention()


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_set_backend_accepts_torch_only():
    config.set_backend("torch")
    with pytest.raises(ValueError, match="PyTorch only.*backend='jax'"):
        config.set_backend("jax")


def test_fit_honours_max_epochs_and_max_steps_per_epoch():
    x, y = np.zeros((40, 3), "float32"), np.zeros((40, 1), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    model = _model()
    seen = []
    batches = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = model.fit(x, y, batch_size=4, epochs=5, verbose=0,
                            callbacks=[batches])
    assert len(history.history["loss"]) == 2
    assert seen == [0, 1, 2, 0, 1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert model.predict(x, batch_size=4, verbose=0).shape == (12, 1)


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setitem(config._settings, "max_epochs", None)
    del config._settings["max_epochs"]
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "4")
    assert config.max_epochs() == 4
    with pytest.raises(ValueError, match="max_steps_per_epoch"):
        config.set_max_steps_per_epoch(0)


def _failing_fit():
    model = _model()
    try:
        model.fit(np.zeros((4, 5), "float32"), np.zeros((4, 1), "float32"),
                  verbose=0)
    except Exception as error:  # noqa: BLE001
        return [frame.filename for frame in
                traceback.extract_tb(error.__traceback__)]
    raise AssertionError("fit accepted inputs of the wrong width")


def test_traceback_filtering_drops_internal_frames():
    assert config.is_traceback_filtering_enabled()
    short = _failing_fit()
    config.disable_traceback_filtering()
    assert not config.is_traceback_filtering_enabled()
    full = _failing_fit()
    internal = lambda files: sum("lamina" in f and "tests" not in f  # noqa
                                 for f in files)
    assert internal(short) <= 2 < internal(full)
    assert short[-1] == full[-1]


def test_disabling_flash_attention_keeps_the_results():
    assert config.is_flash_attention_enabled() is None
    layer = keras.layers.MultiHeadAttention(2, 4)
    x = torch.randn(2, 5, 8)
    expected = layer(x, x)
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    torch.testing.assert_close(layer(x, x), expected)
