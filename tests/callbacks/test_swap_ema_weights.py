"""SwapEMAWeights: evaluation and prediction see the moving averages."""

import numpy as np
import pytest
import torch

import lamina as keras


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-1.0], [2.0]], "float32")


def _model(use_ema=True):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1, use_ema=use_ema,
                                       ema_momentum=0.5), "mse")
    return model


def _ema(model):
    return [a.detach().clone() for a in
            model.optimizer._model_variables_moving_average]


def test_evaluate_and_predict_use_the_averages_then_restore():
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    raw = [w.detach().clone() for w in model.trainable_weights]
    averages = _ema(model)
    seen = []
    probe = keras.callbacks.LambdaCallback(
        on_test_batch_begin=lambda batch, logs: seen.append(
            [w.detach().clone() for w in model.trainable_weights]))
    swap = keras.callbacks.SwapEMAWeights()
    swap.set_model(model)
    model.evaluate(x, y, verbose=0, callbacks=[swap, probe])
    for got, expected in zip(seen[0], averages):
        torch.testing.assert_close(got, expected)
    for w, expected in zip(model.trainable_weights, raw):
        torch.testing.assert_close(w.detach(), expected)
    kernel, bias = (a.detach().cpu().numpy() for a in averages[:2])
    expected_predictions = x @ kernel + bias
    predictions = model.predict(x, verbose=0, callbacks=[swap])
    np.testing.assert_allclose(predictions, expected_predictions, rtol=1e-5,
                               atol=1e-5)
    for w, expected in zip(model.trainable_weights, raw):
        torch.testing.assert_close(w.detach(), expected)


def test_swap_on_epoch_leaves_the_averages_after_training():
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    for w, a in zip(model.trainable_weights, _ema(model)):
        torch.testing.assert_close(w.detach(), a)


def test_requires_an_ema_optimizer():
    x, y = _data()
    model = _model(use_ema=False)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.SwapEMAWeights()])
