"""Snapshots of weights and metric values are copies, never views of the
live tensors (Keras returns copies; a view would change as training goes on)."""

import numpy as np
import torch

import lamina as keras
from lamina import callbacks
from lamina import layers


def _dense_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


def test_get_weights_returns_copies():
    model = _dense_model()
    snapshot = model.get_weights()
    before = [w.copy() for w in snapshot]
    with torch.no_grad():
        for weight in model.weights:
            weight.add_(1.0)
    for old, new in zip(before, snapshot):
        np.testing.assert_array_equal(old, new)


def test_layer_get_weights_and_variable_numpy_are_copies():
    layer = layers.Dense(2)
    layer.build((None, 3))
    array = layer.kernel.numpy()
    weights = layer.get_weights()
    layer.kernel.assign(np.ones((3, 2)))
    assert not np.any(array == 1.0)
    assert not np.any(weights[0] == 1.0)


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    model = _dense_model()
    seen = {}

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen[epoch] = (logs["loss"], self.model.get_weights())

    # A loss that can only rise after the first epoch: a huge learning rate.
    model.compile(keras.optimizers.SGD(learning_rate=5.0), "mse")
    stopper = callbacks.EarlyStopping(monitor="loss", patience=2,
                                      restore_best_weights=True)
    model.fit(x, y, epochs=6, batch_size=32, verbose=0,
              callbacks=[Spy(), stopper])
    best_epoch = min(seen, key=lambda e: seen[e][0])
    assert stopper.best_epoch == best_epoch
    for restored, best in zip(model.get_weights(), seen[best_epoch][1]):
        np.testing.assert_array_equal(restored, best)
    assert not all(np.array_equal(a, b) for a, b in
                   zip(seen[best_epoch][1], seen[max(seen)][1]))


def test_metric_result_logs_are_copies():
    from lamina.trainers.logs import pythonify

    state = torch.zeros(3)
    logs = pythonify({"per_class": state})
    state.add_(1.0)
    np.testing.assert_array_equal(logs["per_class"], np.zeros(3))


def test_ops_convert_to_numpy_copies_like_keras():
    from lamina import ops

    layer = layers.Dense(2)
    layer.build((None, 3))
    array = ops.convert_to_numpy(layer.kernel)
    layer.kernel.assign(np.ones((3, 2)))
    assert not np.any(array == 1.0)
