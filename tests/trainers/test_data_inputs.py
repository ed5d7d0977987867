"""fit/evaluate/predict accept every data type Keras accepts."""

import numpy as np
import pandas as pd
import pytest
import torch

import lamina
from lamina import layers


def small_model(inputs=4, outputs=1):
    model = lamina.Sequential([lamina.Input((inputs,)), layers.Dense(8),
                               layers.Dense(outputs)])
    model.compile("sgd", "mse")
    return model


X = np.random.default_rng(0).random((64, 4)).astype("float32")
Y = X.sum(1, keepdims=True)


def test_numpy_torch_and_pandas_inputs():
    model = small_model()
    assert len(model.fit(X, Y, epochs=1, verbose=0).history["loss"]) == 1
    model.fit(torch.from_numpy(X), torch.from_numpy(Y), verbose=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    model.fit(frame, pd.Series(Y[:, 0]), verbose=0)
    assert model.predict(frame, verbose=0).shape == (64, 1)


def test_torch_dataset_and_dataloader():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X),
                                             torch.from_numpy(Y))
    model = small_model()
    history = model.fit(dataset, batch_size=16, epochs=2, verbose=0)
    assert history.params["steps"] == 4
    loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    model.fit(loader, epochs=1, verbose=0)
    assert isinstance(model.evaluate(loader, verbose=0), float)
    assert model.predict(torch.utils.data.DataLoader(
        torch.from_numpy(X), batch_size=8), verbose=0).shape == (64, 1)


class Batches(lamina.utils.PyDataset):
    def __init__(self, batch_size=16, **kwargs):
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.epochs_ended = 0

    def __len__(self):
        return len(X) // self.batch_size

    def __getitem__(self, index):
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return X[s], Y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.mark.parametrize("workers", [1, 2])
def test_py_dataset(workers):
    data = Batches(workers=workers)
    model = small_model()
    history = model.fit(data, epochs=2, verbose=0)
    assert history.params["steps"] == 4
    assert data.epochs_ended == 2


def test_multi_input_dict_and_sample_and_class_weights():
    a, b = lamina.Input((4,), name="a"), lamina.Input((4,), name="b")
    out = layers.Dense(2, activation="softmax", name="out")(
        lamina.ops.concatenate([a, b], axis=-1))
    model = lamina.Model({"a": a, "b": b}, out)
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    labels = (X[:, 0] > 0.5).astype("int64")
    model.fit({"a": X, "b": X}, labels, epochs=1, verbose=0,
              sample_weight=np.ones(64), class_weight={0: 1.0, 1: 2.0})
    assert model.predict({"a": X, "b": X}, verbose=0).shape == (64, 2)


def test_errors():
    model = small_model()
    with pytest.raises(ValueError, match="compile"):
        lamina.Sequential([lamina.Input((4,)), layers.Dense(1)]).fit(
            X, Y, verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type"):
        model.fit("not data", verbose=0)
    with pytest.raises(ValueError, match="must not be passed"):
        model.fit(Batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(X[:1], Y[:1], validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(X, Y[:10], verbose=0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.fit(X, Y, verbose=0, epochz=3)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(X, Y, verbose=5)


def test_string_arrays_reach_a_text_model():
    texts = np.array(["good movie", "bad movie", "good plot", "bad plot"] * 8)
    labels = np.array([1, 0, 1, 0] * 8, dtype="float32")
    vectorizer = lamina.layers.TextVectorization(
        max_tokens=10, output_sequence_length=2)
    vectorizer.adapt(texts)
    model = lamina.Sequential([vectorizer, layers.Embedding(10, 4),
                               layers.GlobalAveragePooling1D(),
                               layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts, labels, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(list(texts[:3]), verbose=0).shape == (3, 1)


def test_predict_respects_forward_hooks_and_custom_predict_step():
    model = small_model()
    seen = []
    handle = model.register_forward_hook(lambda m, i, o: seen.append(1))
    model.predict(X, batch_size=16, verbose=0)
    assert len(seen) == 4
    handle.remove()

    class Doubled(lamina.Sequential):
        def predict_step(self, data):
            return super().predict_step(data) * 2

    doubled = Doubled([lamina.Input((4,)), layers.Dense(1)])
    doubled.set_weights(
        [np.ones((4, 1), "float32"), np.zeros(1, "float32")])
    np.testing.assert_allclose(doubled.predict(X, verbose=0),
                               2 * X.sum(1, keepdims=True), rtol=1e-5)


def test_py_dataset_with_worker_processes():
    series = np.arange(200, dtype="float32").reshape(100, 2)
    dataset = lamina.utils.timeseries_dataset_from_array(
        series, series[:, :1], sequence_length=4, batch_size=16)
    dataset.workers = 2
    dataset.use_multiprocessing = True
    model = lamina.Sequential([lamina.Input((4, 2)), layers.Flatten(),
                               layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(dataset, epochs=1, verbose=0)
    assert history.params["steps"] == len(dataset)


def test_steps_per_epoch_with_arrays_continues_across_epochs():
    seen = []

    class Recorder(lamina.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            pass

    class FirstRows(lamina.Sequential):
        def train_step(self, data):
            seen.append(float(data[0][0, 0]))
            return super().train_step(data)

    rows = np.arange(100, dtype="float32").reshape(100, 1)
    model = FirstRows([lamina.Input((1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(rows, rows, batch_size=20, steps_per_epoch=2, epochs=2,
              shuffle=False, verbose=0, callbacks=[Recorder()])
    assert seen == [0.0, 20.0, 40.0, 60.0]


def test_exhausted_generator_stops_training():
    def five_batches():
        for _ in range(5):
            yield X[:8], Y[:8]

    model = small_model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(five_batches(), steps_per_epoch=2, epochs=4,
                            verbose=0)
    assert len(history.history["loss"]) == 3
