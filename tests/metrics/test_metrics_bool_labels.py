"""Bool one-hot labels, as Keras takes them: accuracy metrics, OneHotIoU
and class weights, compared with Keras 3."""

import numpy as np
import pytest

import lamina

Y_TRUE = np.array([[True, False, False], [False, True, False],
                   [False, False, True], [True, False, False]])
Y_PRED = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6],
                   [0.5, 0.4, 0.1]], "float32")


@pytest.mark.parametrize("name,kwargs", [
    ("CategoricalAccuracy", {}),
    ("TopKCategoricalAccuracy", {"k": 1}),
    ("TopKCategoricalAccuracy", {"k": 2}),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2]}),
    ("OneHotMeanIoU", {"num_classes": 3}),
])
def test_metric_with_bool_one_hot_labels(keras_ref, name, kwargs):
    ours = getattr(lamina.metrics, name)(**kwargs)
    ours.update_state(Y_TRUE, Y_PRED)
    theirs = getattr(keras_ref.metrics, name)(**kwargs)
    theirs.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()),
                               rtol=1e-6)


def test_categorical_accuracy_function_with_bool_labels():
    result = lamina.metrics.categorical_accuracy(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(result.cpu().numpy(), [1.0, 0.0, 1.0, 1.0])


def test_fit_with_bool_one_hot_labels_and_class_weight(keras_ref):
    rng = np.random.default_rng(0)
    x = rng.random((32, 4)).astype("float32")
    y = np.eye(3, dtype=bool)[rng.integers(0, 3, 32)]
    histories = []
    for keras in (keras_ref, lamina):
        inputs = keras.Input((4,))
        outputs = keras.layers.Dense(3, activation="softmax",
                                     kernel_initializer="ones")(inputs)
        model = keras.Model(inputs, outputs)
        iou = keras.metrics.OneHotIoU(3, [0, 1], name="iou")
        model.compile("sgd", "categorical_crossentropy",
                      metrics=["accuracy", iou])
        history = model.fit(x, y, batch_size=32, shuffle=False, verbose=0,
                            class_weight={0: 1.0, 1: 2.0, 2: 1.0})
        histories.append(history.history)
    keras_history, our_history = histories
    assert sorted(our_history) == sorted(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(our_history[key], values, rtol=1e-5)
