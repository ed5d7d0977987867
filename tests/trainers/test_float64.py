"""A float64 model computes in float64 end to end: inputs are not cast to
float32 on the way into predict/fit/evaluate/call."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
# Values that float32 cannot represent: any float32 step shows up at ~1e-8.
X = RNG.random((8, 3)) + 1e-9
X2 = RNG.random((8, 3)) + 1e-9
Y = RNG.random((8, 2))


def _sequential():
    return keras.Sequential([keras.Input((3,), dtype="float64"),
                             layers.Dense(2, dtype="float64")])


def _functional():
    inputs = keras.Input((3,), dtype="float64")
    return keras.Model(inputs, layers.Dense(2, dtype="float64")(inputs))


def _reference(model, x):
    kernel, bias = model.get_weights()
    return x @ kernel + bias


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_predict_and_call_keep_float64(build):
    model = build()
    expected = _reference(model, X)
    predicted = model.predict(X, verbose=0)
    assert predicted.dtype == np.float64
    np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-15)
    called = model(X).detach().cpu().numpy()
    np.testing.assert_allclose(called, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_evaluate_and_fit_keep_float64(build):
    model = build()
    model.compile(keras.optimizers.SGD(learning_rate=0.5), "mse")
    expected_loss = np.mean((_reference(model, X) - Y) ** 2)
    loss = model.evaluate(X, Y, batch_size=8, verbose=0)
    assert abs(loss - expected_loss) < 1e-15

    kernel, bias = (torch.tensor(w, requires_grad=True)
                    for w in model.get_weights())
    torch_loss = ((torch.tensor(X) @ kernel + bias - torch.tensor(Y)) ** 2)
    torch_loss.mean().backward()
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(
        model.get_weights()[0],
        (kernel - 0.5 * kernel.grad).detach().cpu().numpy(), rtol=0,
        atol=1e-15)


def test_multi_input_functional_keeps_float64():
    a = keras.Input((3,), dtype="float64")
    b = keras.Input((3,), dtype="float64")
    summed = layers.Add(dtype="float64")([a, b])
    model = keras.Model([a, b], layers.Dense(2, dtype="float64")(summed))
    expected = _reference(model, X + X2)
    np.testing.assert_allclose(model([X, X2]).detach().cpu().numpy(), expected,
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(model.predict([X, X2], verbose=0), expected,
                               rtol=0, atol=1e-15)


def test_generator_batches_keep_float64():
    model = _sequential()

    def batches():
        yield (X,)

    np.testing.assert_allclose(model.predict(batches(), verbose=0),
                               _reference(model, X), rtol=0, atol=1e-15)


def test_set_floatx_float64():
    keras.config.set_floatx("float64")
    try:
        model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
        model.compile("sgd", "mse")
        assert model.predict(X, verbose=0).dtype == np.float64
        np.testing.assert_allclose(model.predict(X, verbose=0),
                                   _reference(model, X), rtol=0, atol=1e-15)
        loss = model.evaluate(X, Y, batch_size=8, verbose=0)
        assert abs(loss - np.mean((_reference(model, X) - Y) ** 2)) < 1e-15
    finally:
        keras.config.set_floatx("float32")


def test_float32_model_still_casts_float64_data():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    assert model.predict(X, verbose=0).dtype == np.float32
