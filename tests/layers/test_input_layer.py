"""`InputLayer`/`Input` as in Keras: Keras 2 spellings (`input_shape` with
Keras's warning, `batch_input_shape`), errors naming the API called, and
`optional` inputs."""

import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers


def test_input_shape_and_batch_input_shape_as_keras(keras_ref):
    for lib in (keras, keras_ref):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer = lib.layers.InputLayer(input_shape=(3,))
        assert tuple(layer.batch_shape) == (None, 3)
        assert any("`input_shape` is deprecated" in str(w.message)
                   for w in caught)
        layer = lib.layers.InputLayer(batch_input_shape=(4, 3))
        assert tuple(layer.batch_shape) == (4, 3)
    ours = layers.InputLayer(batch_input_shape=(4, 3), name="x")
    ref = keras_ref.layers.InputLayer(batch_input_shape=(4, 3), name="x")
    ref_config = dict(ref.get_config(), batch_shape=list(ref.batch_shape))
    assert ours.get_config() == ref_config


def test_keras2_sequential_with_input_layer():
    model = keras.Sequential([layers.InputLayer(input_shape=(3,)),
                              layers.Dense(2)])
    assert model.predict(np.zeros((5, 3)), verbose=0).shape == (5, 2)
    assert model.layers[0].kernel.shape == (3, 2)


@pytest.mark.parametrize("api", ["Input", "InputLayer"])
def test_errors_name_the_api_called(api):
    make = keras.Input if api == "Input" else layers.InputLayer
    with pytest.raises(ValueError, match=rf"shape` argument to {api}\(\)"):
        make()
    with pytest.raises(ValueError, match=rf"both `shape` and `batch_shape` "
                                         rf"to {api}\(\)"):
        make(shape=(2,), batch_shape=(None, 2))
    with pytest.raises(ValueError, match=rf"`shape` of {api}\(\).*\(-1,\)"):
        make(shape=(-1,))
    with pytest.raises(ValueError, match=rf"both `batch_size` and "
                                         rf"`batch_shape` to {api}\(\)"):
        make(batch_size=2, batch_shape=(2, 3))


def test_ragged_is_refused_not_ignored():
    with pytest.raises(ValueError, match="ragged"):
        layers.InputLayer(shape=(3,), ragged=True)
    assert layers.InputLayer(shape=(3,), ragged=False).batch_shape == (None, 3)


def test_optional_inputs_take_none_and_others_refuse_it():
    class AddIfGiven(layers.Layer):
        def call(self, x, y=None):
            return x if y is None else x + y

    a = keras.Input((3,))
    b = keras.Input((3,), optional=True)
    model = keras.Model([a, b], AddIfGiven()(a, b))
    ones = np.ones((1, 3), "float32")
    np.testing.assert_allclose(model([ones, None]).cpu().numpy(), ones)
    np.testing.assert_allclose(model([ones, ones]).cpu().numpy(), 2 * ones)

    c = keras.Input((3,), name="second")
    strict = keras.Model([a, c], layers.Add()([a, c]))
    with pytest.raises(ValueError, match="'second', which is not optional"):
        strict([ones, None])
