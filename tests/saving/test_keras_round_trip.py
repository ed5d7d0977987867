"""`.keras` files move both ways between Keras 3 (torch backend) and Lamina.

For each kind of model: a file Keras wrote loads in Lamina and one Lamina
wrote loads in Keras, with equal predictions; and after loading, both
continue training for an epoch (optimizer state restored) and agree.
"""

import os

import numpy as np
import pytest

import lamina

KINDS = ["conv_bn", "masked_bidirectional_rnn", "attention",
         "nested_shared_dict", "registered_custom"]


def gate_class(lib):
    """A registered custom layer, defined the same way in both libraries."""

    class Gate(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), name="kernel")
            self.gate = self.add_weight(shape=(self.units,), name="gate",
                                        initializer="ones")

        def call(self, inputs):
            return lib.ops.tanh(lib.ops.matmul(inputs, self.kernel)) * \
                lib.ops.sigmoid(self.gate)

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (self.units,)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return lib.saving.register_keras_serializable(package="round_trip")(Gate)


def build(lib, kind):
    L = lib.layers
    if kind == "conv_bn":
        inputs = lib.Input((8, 8, 3))
        x = L.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
        x = L.MaxPooling2D()(x)
        x = L.GlobalAveragePooling2D()(x)
        model = lib.Model(inputs, L.Dense(3, activation="softmax")(x))
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    elif kind == "masked_bidirectional_rnn":
        model = lib.Sequential([
            lib.Input((7,), dtype="int32"),
            L.Embedding(20, 6, mask_zero=True),
            L.Bidirectional(L.LSTM(5, return_sequences=True)),
            L.Bidirectional(L.GRU(4), merge_mode="sum"),
            L.Dense(1),
        ])
        loss, metrics = "mse", ["mae"]
    elif kind == "attention":
        inputs = lib.Input((6, 8))
        attended = L.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
        x = L.LayerNormalization()(L.Add()([inputs, attended]))
        x = L.GlobalAveragePooling1D()(x)
        model = lib.Model(inputs, L.Dense(2)(x))
        loss, metrics = "mse", None
    elif kind == "nested_shared_dict":
        inner = lib.Sequential([lib.Input((5,)), L.Dense(4, activation="relu"),
                                L.Dense(4)], name="inner")
        a, b = lib.Input((5,), name="a"), lib.Input((5,), name="b")
        shared = L.Dense(5, activation="tanh", name="shared")
        ha, hb = inner(shared(a)), inner(shared(b))
        outputs = {
            "total": L.Dense(1, name="total")(L.Add()([ha, hb])),
            "label": L.Dense(3, activation="softmax", name="label")(
                L.Concatenate()([ha, hb])),
        }
        model = lib.Model({"a": a, "b": b}, outputs)
        loss = {"total": "mse", "label": "sparse_categorical_crossentropy"}
        metrics = {"label": ["accuracy"]}
    else:
        gate = gate_class(lib)
        inputs = lib.Input((5,))
        model = lib.Model(inputs, L.Dense(2)(gate(4, name="gate")(inputs)))
        loss, metrics = "mse", None
    model.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01),
                  loss=loss, metrics=metrics)
    return model


def data(kind):
    rng = np.random.default_rng(7)
    n = 32
    if kind == "conv_bn":
        return rng.normal(size=(n, 8, 8, 3)).astype("float32"), \
            rng.integers(0, 3, size=(n,))
    if kind == "masked_bidirectional_rnn":
        x = rng.integers(1, 20, size=(n, 7)).astype("int32")
        lengths = rng.integers(2, 8, size=(n,))
        x[np.arange(7)[None, :] >= lengths[:, None]] = 0
        return x, rng.normal(size=(n, 1)).astype("float32")
    if kind == "attention":
        return rng.normal(size=(n, 6, 8)).astype("float32"), \
            rng.normal(size=(n, 2)).astype("float32")
    if kind == "nested_shared_dict":
        x = {"a": rng.normal(size=(n, 5)).astype("float32"),
             "b": rng.normal(size=(n, 5)).astype("float32")}
        y = {"total": rng.normal(size=(n, 1)).astype("float32"),
             "label": rng.integers(0, 3, size=(n,))}
        return x, y
    return rng.normal(size=(n, 5)).astype("float32"), \
        rng.normal(size=(n, 2)).astype("float32")


def as_list(predictions):
    if isinstance(predictions, dict):
        return [np.asarray(predictions[k]) for k in sorted(predictions)]
    if isinstance(predictions, (list, tuple)):
        return [np.asarray(p) for p in predictions]
    return [np.asarray(predictions)]


def assert_same_predictions(model_a, model_b, x, atol):
    for a, b in zip(as_list(model_a.predict(x, verbose=0)),
                    as_list(model_b.predict(x, verbose=0))):
        np.testing.assert_allclose(a, b, atol=atol, rtol=0)


def train(model, x, y):
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)


@pytest.mark.parametrize("kind", KINDS)
def test_keras_file_loads_in_lamina_and_trains_alike(keras_ref, kind,
                                                     tmp_path):
    x, y = data(kind)
    gate_class(lamina)  # a custom class must be registered where it loads
    theirs = build(keras_ref, kind)
    train(theirs, x, y)
    path = os.path.join(tmp_path, "keras_written.keras")
    theirs.save(path)

    ours = lamina.saving.load_model(path)
    assert_same_predictions(theirs, ours, x, atol=1e-5)
    assert int(ours.optimizer.iterations) == 4

    reloaded = keras_ref.saving.load_model(path)
    train(reloaded, x, y)
    train(ours, x, y)
    assert int(ours.optimizer.iterations) == 8
    assert_same_predictions(reloaded, ours, x, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_lamina_file_loads_in_keras_and_trains_alike(keras_ref, kind,
                                                     tmp_path):
    x, y = data(kind)
    gate_class(keras_ref)
    ours = build(lamina, kind)
    train(ours, x, y)
    path = os.path.join(tmp_path, "lamina_written.keras")
    ours.save(path)

    theirs = keras_ref.saving.load_model(path)
    assert_same_predictions(ours, theirs, x, atol=1e-5)
    assert int(theirs.optimizer.iterations) == 4

    ours_reloaded = lamina.saving.load_model(path)
    train(theirs, x, y)
    train(ours_reloaded, x, y)
    assert_same_predictions(theirs, ours_reloaded, x, atol=1e-4)


@pytest.mark.parametrize("kind", ["conv_bn", "nested_shared_dict"])
def test_weights_files_move_both_ways(keras_ref, kind, tmp_path):
    x, y = data(kind)
    theirs, ours = build(keras_ref, kind), build(lamina, kind)
    train(theirs, x, y)
    path = os.path.join(tmp_path, "k.weights.h5")
    theirs.save_weights(path)
    ours.predict(x, verbose=0)
    ours.load_weights(path)
    assert_same_predictions(theirs, ours, x, atol=1e-5)

    train(ours, x, y)
    path = os.path.join(tmp_path, "l.weights.h5")
    ours.save_weights(path)
    theirs.load_weights(path)
    assert_same_predictions(ours, theirs, x, atol=1e-5)
