"""predict's fast path over one in-memory tensor: slices go straight to the
guarded direct calls, and give what the full path gives."""

import numpy as np
import torch

import lamina as keras


def _model(dtype="float32"):
    return keras.Sequential([keras.Input((5,), dtype=dtype),
                             keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dense(2)])


def test_sliced_predict_equals_the_model_call():
    model = _model()
    x = np.random.default_rng(0).normal(size=(70, 5)).astype("float32")
    expected = model(x).detach().cpu().numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=16, verbose=0),
                               expected, rtol=1e-6, atol=1e-6)


def test_a_hook_added_between_predicts_runs_on_every_batch():
    model = _model()
    x = np.ones((70, 5), "float32")
    model.predict(x, batch_size=16, verbose=0)
    calls = []
    model.layers[0].register_forward_hook(lambda *args: calls.append(1))
    model.predict(x, batch_size=16, verbose=0)
    assert len(calls) == 5


def test_inputs_of_another_dtype_take_the_full_path_on_every_batch():
    model = _model("float64")
    x = np.random.default_rng(1).normal(size=(40, 5)).astype("float32")
    out = model.predict(torch.as_tensor(x), batch_size=16, verbose=0)
    # As Keras: the Input casts to float64, the float32 layers back.
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, model(x).detach().cpu().numpy(), rtol=1e-6, atol=1e-6)


def test_stop_predicting_ends_the_slices():
    model = _model()

    class Stop(keras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            self.model.stop_predicting = True

    out = model.predict(np.ones((70, 5), "float32"), batch_size=16,
                        verbose=0, callbacks=[Stop()])
    assert out.shape == (16, 2)
