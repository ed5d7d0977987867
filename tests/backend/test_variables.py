"""Keras 2's `keras.backend` variables, values, shapes and session."""

import numpy as np
import pytest
import torch

import lamina
from lamina import backend as K


def test_variable_get_set_eval():
    v = K.variable(np.array([[1.0, 2.0], [3.0, 4.0]]), name="w")
    assert K.dtype(v) == "float32" and v.name == "w"
    assert K.int_shape(v) == (2, 2) and K.ndim(v) == 2
    assert K.count_params(v) == 4
    value = K.get_value(v)
    K.set_value(v, np.zeros((2, 2)))
    np.testing.assert_array_equal(value, [[1, 2], [3, 4]])  # a copy
    np.testing.assert_array_equal(K.eval(v), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        K.set_value(v, np.zeros(3))
    with pytest.raises(ValueError, match="variable"):
        K.set_value(3.0, 1.0)


def test_set_value_on_the_optimizer_learning_rate():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    K.set_value(model.optimizer.learning_rate, 0.001)
    np.testing.assert_allclose(K.get_value(model.optimizer.learning_rate),
                               0.001)
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    step = np.abs(model.get_weights()[0] - before[0]).max()
    assert 0 < step < 0.01


def test_creation_functions():
    assert K.dtype(K.zeros((2, 3))) == "float32"
    np.testing.assert_array_equal(K.eval(K.ones((2,), dtype="int32")), [1, 1])
    np.testing.assert_array_equal(K.eval(K.eye(2)), np.eye(2))
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    constant = K.constant(3, shape=(2, 2))
    assert K.dtype(constant) == "float32"
    np.testing.assert_array_equal(K.eval(constant), np.full((2, 2), 3.0))
    assert K.int_shape(K.zeros_like(np.ones((3, 1)))) == (3, 1)
    np.testing.assert_array_equal(K.eval(K.shape(np.ones((3, 1)))), [3, 1])
    assert K.dtype(K.cast(np.ones(2), "int32")) == "int32"
    assert K.cast_to_floatx(np.array([1, 2])).dtype == np.float32


def test_update_functions():
    v = K.variable([1.0, 2.0])
    K.update_add(v, [1.0, 1.0])
    K.update_sub(v, [0.5, 0.5])
    np.testing.assert_array_equal(K.eval(v), [1.5, 2.5])
    K.update(v, [0.0, 0.0])
    np.testing.assert_array_equal(K.eval(v), [0.0, 0.0])


def test_settings_round_trip():
    assert K.backend() == "torch"
    old = K.epsilon()
    K.set_epsilon(1e-5)
    try:
        assert K.epsilon() == 1e-5
    finally:
        K.set_epsilon(old)
    assert K.floatx() == "float32"
    assert K.image_data_format() == "channels_last"


def test_learning_phase_controls_dropout_outside_fit():
    layer = lamina.layers.Dropout(0.5, seed=1)
    x = np.ones((200, 10), "float32")
    assert K.learning_phase() == 0
    np.testing.assert_array_equal(layer(x).cpu().numpy(), x)
    with pytest.warns(UserWarning, match="deprecated"):
        K.set_learning_phase(1)
    try:
        assert K.learning_phase() == 1
        assert (layer(x).cpu().numpy() == 0).any()
        assert K.in_train_phase(lambda: "train", "test") == "train"
    finally:
        K.clear_session()
    assert K.learning_phase() == 0
    assert K.in_test_phase("test", "train") == "test"
    assert K.in_train_phase("train", "test", training=True) == "train"
    with pytest.raises(ValueError, match="0 or 1"):
        K.set_learning_phase(2)


def test_clear_session_resets_names():
    lamina.layers.Dense(1)
    K.clear_session()
    assert lamina.layers.Dense(1).name == "dense"
