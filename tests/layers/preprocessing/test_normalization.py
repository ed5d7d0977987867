import types

import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.preprocessing import Normalization
from lamina.utils import PyDataset


def _data(shape=(40, 4, 3), seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3 + 2).astype("float32")


@pytest.fixture
def keras_norm(keras_ref, monkeypatch):
    """Keras's Normalization; its adapt() on iterables needs tf only for an
    isinstance check, so a stand-in module lets it run without TensorFlow."""
    from keras.src.layers.preprocessing import normalization

    fake_tf = types.SimpleNamespace(
        data=types.SimpleNamespace(Dataset=type("Dataset", (), {})))
    monkeypatch.setattr(normalization, "tf", fake_tf)
    return keras_ref.layers.Normalization


class _Batches(PyDataset):
    def __init__(self, x, size):
        super().__init__()
        self.x, self.size = x, size

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        x = self.x[i * self.size:(i + 1) * self.size]
        return x, np.zeros(len(x))


@pytest.mark.parametrize("kwargs,input_shape", [
    ({"mean": 2.0, "variance": 4.0}, (2, 3)),
    ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 0.0]}, (2, 4, 3)),
    ({"axis": None, "mean": 0.5, "variance": 2.0}, (2, 4, 3)),
    ({"axis": (1, 2), "mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]},
     (2, 4, 3)),
    ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0], "invert": True},
     (2, 3)),
])
def test_given_statistics_match_keras(keras_ref, kwargs, input_shape):
    run_layer_test(Normalization, kwargs, input_shape=input_shape,
                   expected_output_shape=input_shape,
                   expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0,
                   supports_masking=True, keras_reference=keras_ref)


@pytest.mark.parametrize("axis", [-1, None, (1, 2), 1])
@pytest.mark.parametrize("kind", ["numpy", "tensor", "list", "pydataset",
                                  "generator"])
def test_adapt_matches_keras(keras_norm, keras_ref, axis, kind):
    x = _data()

    def make():
        if kind == "numpy":
            return x
        if kind == "tensor":
            return torch.tensor(x)
        if kind == "list":
            return [x[:13], x[13:29], x[29:]]
        if kind == "pydataset":
            return _Batches(x, 16)
        return (b for b in [x[:25], x[25:]])

    theirs = keras_norm(axis=axis)
    theirs.adapt(make() if kind != "pydataset" else [x[:16], x[16:32],
                                                        x[32:]])
    ours = Normalization(axis=axis)
    ours.adapt(make())
    expected = [keras_ref.ops.convert_to_numpy(w) for w in theirs.weights]
    got = ours.get_weights()
    assert [w.shape for w in got] == [w.shape for w in expected]
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    probe = _data((5, 4, 3), seed=1)
    np.testing.assert_allclose(
        ours(probe).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(probe)), atol=1e-5)


def test_adapt_float64_and_invert_match_keras(keras_ref):
    x = _data().astype("float64")
    for invert in (False, True):
        theirs = keras_ref.layers.Normalization(invert=invert)
        theirs.adapt(x)
        ours = Normalization(invert=invert)
        ours.adapt(x)
        np.testing.assert_allclose(
            ours(x[:3]).cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs(x[:3])), atol=1e-5)


def test_weights_as_keras_stores_them(keras_ref):
    ours = Normalization()
    ours.adapt(_data((10, 3)))
    theirs = keras_ref.layers.Normalization()
    theirs.build((None, 3))
    assert [(w.name, w.path,
             str(w.cpu().numpy().dtype)) for w in ours.weights] == \
        [(w.name, w.path, w.dtype) for w in theirs.weights]
    assert ours.trainable_weights == []
    assert list(ours.state_dict()) == ["mean", "variance", "count"]
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}


def test_batch_size_and_steps():
    x = _data((30, 3))
    full = Normalization()
    full.adapt(x)
    batched = Normalization()
    batched.adapt(x, batch_size=7)
    for a, b in zip(full.get_weights(), batched.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    first = Normalization()
    first.adapt([x[:10], x[10:]], steps=1)
    np.testing.assert_allclose(first.get_weights()[0], x[:10].mean(0),
                               rtol=1e-5)


def test_loaded_weights_count_as_adapted():
    source = Normalization()
    source.adapt(_data((10, 3)))
    x = _data((4, 3), seed=3)
    via_state = Normalization()
    via_state.build((None, 3))
    via_state.load_state_dict(source.state_dict())
    via_set = Normalization()
    via_set.build((None, 3))
    via_set.set_weights(source.get_weights())
    for layer in (via_state, via_set):
        np.testing.assert_allclose(layer(x).cpu().numpy(),
                                   source(x).cpu().numpy())


def test_in_a_model_adapted_after_building():
    norm = Normalization()
    inputs = lamina.Input(shape=(3,))
    model = lamina.Model(inputs, lamina.layers.Dense(1)(norm(inputs)))
    x = _data((32, 3))
    norm.adapt(x)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 1)), epochs=1, verbose=0)
    np.testing.assert_allclose(norm(x).cpu().numpy().mean(0), 0.0, atol=1e-5)


def test_called_before_adapt_raises():
    layer = Normalization()
    with pytest.raises(ValueError, match="adapt"):
        layer(_data((2, 3)))


@pytest.mark.parametrize("data", [[], np.zeros((0, 3), "float32"),
                                  _Batches(np.zeros((0, 3)), 4)])
def test_adapt_on_empty_data_raises(data):
    with pytest.raises(ValueError, match="empty"):
        Normalization().adapt(data)


def test_bad_arguments():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="Cannot adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(_data((4, 3)))
    layer = Normalization()
    layer.adapt(_data((4, 3)))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(_data((4, 5)))
    with pytest.raises(ValueError, match="axis"):
        Normalization(axis=3).build((2, 3))
