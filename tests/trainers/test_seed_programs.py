"""The seed programs of the training issue, run unchanged on a few epochs."""

import os
import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.optimizers import SGD


@pytest.fixture(scope="module")
def mnist_subset():
    # The real MNIST is needed here (the thresholds are MNIST's). Tests do
    # not download it: without a cached copy they skip, saying how to seed
    # one; any other failure to load it is an error.
    cache = os.path.join(keras.config.keras_home(), "datasets")
    if not os.path.isfile(os.path.join(cache, "mnist.npz")):
        pytest.skip(
            f"needs the MNIST dataset: mnist.npz is not in {cache} (seed it "
            "with scripts/seed_datasets.sh DIR, or load it once with network "
            "access)"
        )
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:3000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:1000].reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train[:3000]), (x_test, y_test[:1000])


def test_tanh_mlp_with_keras2_sgd(mnist_subset):
    (x_train, y_train), (x_test, y_test) = mnist_subset
    keras.utils.set_random_seed(0)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential()
        model.add(layers.Dense(64, input_dim=784, activation="tanh"))
        model.add(layers.Dense(64, activation="tanh"))
        model.add(layers.Dense(10, activation="softmax"))
    sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    model.compile(loss="categorical_crossentropy", optimizer=sgd)
    history = model.fit(x_train, y_train, epochs=3, batch_size=32,
                        validation_split=0.3, verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    score = model.evaluate(x_test, y_test, batch_size=32, verbose=0)
    assert isinstance(score, float) and score < 1.0
    predictions = model.predict(x_test[:5], verbose=0)
    assert predictions.shape == (5, 10)
    np.testing.assert_allclose(predictions.sum(1), 1.0, rtol=1e-5)


def test_rmsprop_mlp_with_to_categorical(mnist_subset):
    (x_train, y_train), (x_test, y_test) = mnist_subset
    keras.utils.set_random_seed(0)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)
    model = keras.Sequential([
        keras.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    assert model.count_params() == 669_706
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=2,
                        verbose=0, validation_data=(x_test, y_test))
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy",
                                       "val_loss"]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 24}
    assert history.epoch == [0, 1]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.8


def test_generator_pipeline(mnist_subset):
    (x_train, y_train), _ = mnist_subset
    keras.utils.set_random_seed(0)

    def batches(batch_size=64):
        while True:
            for start in range(0, len(x_train), batch_size):
                yield (x_train[start:start + batch_size],
                       y_train[start:start + batch_size])

    model = keras.Sequential([keras.Input((784,)),
                              layers.Dense(32, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(batches(), steps_per_epoch=20, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.params["steps"] == 20
    assert history.history["accuracy"][-1] > 0.5
    fitted = model.fit_generator(batches(), steps_per_epoch=5, epochs=1,
                                 verbose=0)
    assert len(fitted.history["loss"]) == 1


def test_binary_crossentropy_sgd_on_numpy():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    data = rng.random((1000, 100))
    labels = (data[:, :50].sum(1) > data[:, 50:].sum(1)).astype("int64")
    model = keras.Sequential()
    model.add(layers.Dense(32, activation="relu", input_dim=100))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(data, labels, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(data[:3], verbose=0).shape == (3, 1)
