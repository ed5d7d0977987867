"""lamina.wrappers against scikit-learn's estimator checks, with the
expected failures of Keras 3.15's own wrappers."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import lamina  # noqa: E402
from lamina.wrappers import (SKLearnClassifier, SKLearnRegressor,  # noqa: E402
                             SKLearnTransformer)


def mlp(X, y, loss, out_activation="softmax", layers=(10,)):
    inputs = lamina.Input(shape=(X.shape[1],))
    hidden = inputs
    for units in layers:
        hidden = lamina.layers.Dense(units, activation="relu")(hidden)
    outputs = y.shape[1] if y.ndim > 1 else 1
    outputs = lamina.layers.Dense(outputs, activation=out_activation)(hidden)
    model = lamina.Model(inputs, outputs)
    model.compile(loss=loss, optimizer="rmsprop")
    return model


# The checks Keras 3.15's own wrappers are expected to fail (its
# sklearn_test.py), with one more: a fitted Lamina model does not pickle yet.
PICKLE = "a fitted lamina Model cannot be pickled yet"
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_regression_target": "as in Keras",
        "check_parameters_default_constructible": "as in Keras",
        "check_classifiers_one_label_sample_weights": "as in Keras",
        "check_classifiers_classes": "as in Keras (few samples)",
        "check_classifier_data_not_an_array": "fit is not reproducible",
        "check_supervised_y_2d": "fit is not reproducible",
        "check_fit_idempotent": "fit is not reproducible",
        "check_classifiers_train": "decision_function gives probabilities",
        "check_estimators_pickle": PICKLE,
    },
    "SKLearnRegressor": {
        "check_parameters_default_constructible": "as in Keras",
        "check_estimators_pickle": PICKLE,
    },
    "SKLearnTransformer": {
        "check_parameters_default_constructible": "as in Keras",
        "check_estimators_pickle": PICKLE,
    },
}


@parametrize_with_checks(
    [
        SKLearnClassifier(
            model=mlp,
            model_kwargs={"loss": "categorical_crossentropy",
                          "layers": [20, 20, 20]},
            fit_kwargs={"epochs": 5, "verbose": 0}),
        # Keras's test configuration exactly (softmax output included).
        SKLearnRegressor(model=mlp, model_kwargs={"loss": "mse"},
                         fit_kwargs={"verbose": 0}),
        SKLearnTransformer(model=mlp, model_kwargs={"loss": "mse"},
                           fit_kwargs={"verbose": 0}),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[
        type(est).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
