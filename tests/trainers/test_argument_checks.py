"""Bad arguments to compile/fit/evaluate/predict: a clear error naming the
argument and the received value, never a silent loss of 0.0."""

import numpy as np
import pytest
import torch

import lamina as keras


def _model(names=None):
    inputs = keras.Input((4,))
    if names:
        outputs = [keras.layers.Dense(1, name=n)(inputs) for n in names]
    else:
        outputs = keras.layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return (rng.random((20, 4)).astype("float32"),
            rng.random((20, 1)).astype("float32"))


@pytest.fixture
def model():
    m = _model()
    m.compile("sgd", "mse")
    return m


@pytest.mark.parametrize("method,kwargs,match", [
    ("fit", {"batch_size": 0}, "batch_size=0"),
    ("fit", {"batch_size": -1}, "batch_size=-1"),
    ("fit", {"batch_size": 2.5}, "batch_size=2.5"),
    ("fit", {"steps_per_epoch": 0}, "steps_per_epoch=0"),
    ("fit", {"steps_per_epoch": -3}, "steps_per_epoch=-3"),
    ("fit", {"validation_steps": 0}, "validation_steps=0"),
    ("fit", {"validation_batch_size": 0}, "validation_batch_size=0"),
    ("fit", {"validation_split": -0.2}, "validation_split=-0.2"),
    ("fit", {"validation_split": 1.5}, "validation_split=1.5"),
    ("fit", {"validation_split": 1.0}, "validation_split=1.0"),
    ("evaluate", {"batch_size": 0}, "batch_size=0"),
    ("evaluate", {"steps": 0}, "steps=0"),
    ("predict", {"steps": 0}, "steps=0"),
    ("predict", {"batch_size": -2}, "batch_size=-2"),
])
def test_non_positive_counts_and_bad_split(model, data, method, kwargs,
                                           match):
    x, y = data
    args = (x,) if method == "predict" else (x, y)
    if "validation_steps" in kwargs:
        kwargs = dict(kwargs, validation_data=(x, y))
    with pytest.raises(ValueError, match=match):
        getattr(model, method)(*args, verbose=0, **kwargs)


def test_numpy_integer_batch_size_is_accepted(model, data):
    x, y = data
    history = model.fit(x, y, batch_size=np.int64(5), epochs=1, verbose=0)
    assert history.history["loss"][0] > 0


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_empty_x(model, data, method):
    x, y = data
    args = (x[:0],) if method == "predict" else (x[:0], y[:0])
    with pytest.raises(ValueError, match=r"`x` of .*empty.*\(0, 4\)"):
        getattr(model, method)(*args, verbose=0)


def test_empty_validation_data(model, data):
    x, y = data
    with pytest.raises(ValueError, match="`validation_data` of fit.*empty"):
        model.fit(x, y, validation_data=(x[:0], y[:0]), verbose=0)


def test_empty_generator(model, data):
    def empty():
        return
        yield

    with pytest.raises(ValueError, match="`x` of fit.*no batches"):
        model.fit(empty(), verbose=0)
    with pytest.raises(ValueError, match="`x` of evaluate.*no batches"):
        model.evaluate(empty(), verbose=0)
    x, y = data
    with pytest.raises(ValueError,
                       match="`validation_data` of fit.*no batches"):
        model.fit(x, y, validation_data=empty(), verbose=0)


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_none_and_string_x(model, data, method):
    _, y = data
    extra = () if method == "predict" else (y,)
    with pytest.raises(ValueError, match="`x` of .* is None"):
        getattr(model, method)(None, *extra, verbose=0)
    with pytest.raises(ValueError, match="Unrecognized data type: x='hello'"):
        getattr(model, method)("hello", *extra, verbose=0)
    strings = np.array([["a"] * 4] * 20)
    for data in (strings, strings.astype(object), strings.tolist()):
        with pytest.raises(ValueError,
                           match="expects numeric data .*array of strings"):
            getattr(model, method)(data, *extra, verbose=0)


def test_string_x_into_a_numeric_sequential_model():
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 1)), verbose=0)
    with pytest.raises(ValueError, match="expects numeric data"):
        model.predict(np.array([["a"] * 4] * 2), verbose=0)


def test_object_dtype_numbers_are_converted(data):
    x, y = data
    reference = _model()
    reference.compile("sgd", "mse")
    converted = keras.models.clone_model(reference)
    converted.set_weights(reference.get_weights())
    converted.compile("sgd", "mse")
    torch.manual_seed(0)
    expected = reference.fit(x, y, shuffle=False, verbose=0)
    got = converted.fit(x.astype(object), y.astype(object), shuffle=False,
                        verbose=0)
    np.testing.assert_allclose(got.history["loss"], expected.history["loss"],
                               rtol=1e-6)
    np.testing.assert_allclose(converted.predict(x.astype(object), verbose=0),
                               reference.predict(x, verbose=0), rtol=1e-6)


def test_ragged_object_array_fails_clearly(model):
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = [1.0, 2.0], [3.0]
    with pytest.raises(ValueError, match="dtype object.*different lengths"):
        model.predict(ragged, verbose=0)


def test_fit_without_y_when_the_loss_needs_it(model, data):
    x, _ = data
    with pytest.raises(ValueError, match="compiled with a loss.*no targets"):
        model.fit(x, verbose=0)
    with pytest.raises(ValueError, match="compiled with a loss.*no targets"):
        model.evaluate(x, verbose=0)


def test_y_dict_with_unknown_output_name(data):
    x, y = data
    model = _model(names=["a", "b"])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"keys \['c'\] that match no model"):
        model.fit(x, {"a": y, "c": y}, verbose=0)


def test_y_dict_is_matched_by_name_not_position(data):
    x, y = data
    model = _model(names=["b", "a"])
    model.compile("sgd", "mse")
    targets = {"a": np.zeros_like(y), "b": np.full_like(y, 100.0)}
    logs = model.evaluate(x, targets, return_dict=True, verbose=0)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(
        logs["b_loss"], np.mean((predictions[0] - 100.0) ** 2), rtol=1e-5)
    np.testing.assert_allclose(
        logs["a_loss"], np.mean(predictions[1] ** 2), rtol=1e-5)


@pytest.mark.parametrize("loss_weights,match", [
    ([1.0], r"one entry per model output \(2"),
    ([1.0, 2.0, 3.0], r"one entry per model output \(2"),
    ({"a": 1.0, "z": 2.0}, r"keys \['z'\] that match no model output"),
])
def test_loss_weights_must_match_outputs(loss_weights, match):
    model = _model(names=["a", "b"])
    with pytest.raises(ValueError, match=match):
        model.compile("sgd", "mse", loss_weights=loss_weights)


def test_loss_weights_list_on_a_sequential_model(data):
    x, y = data
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", loss_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"one entry per model output \(1"):
        model.fit(x, y, verbose=0)
