"""lamina.wrappers in scikit-learn workflows, and compared with Keras 3's
own wrappers on the same weights."""

import os

import numpy as np
import pytest

pytest.importorskip("sklearn")
os.environ.setdefault("KERAS_BACKEND", "torch")
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import lamina  # noqa: E402
from lamina.wrappers import (SKLearnClassifier, SKLearnRegressor,  # noqa: E402
                             SKLearnTransformer)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 4)).astype("float32")
LABELS = np.array(["cat", "dog", "emu"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
TARGET = X @ np.array([1.0, -2.0, 0.5, 0.0], "float32")


def classifier_model(X, y, units=8, lib=lamina, weights=None, lr=0.01):
    inputs = lib.Input(shape=(X.shape[1],))
    hidden = lib.layers.Dense(units, activation="relu")(inputs)
    outputs = lib.layers.Dense(y.shape[1], activation="softmax")(hidden)
    model = lib.Model(inputs, outputs)
    if weights is not None:
        model.set_weights(weights)
    model.compile(loss="categorical_crossentropy",
                  optimizer=lib.optimizers.SGD(learning_rate=lr))
    return model


def linear_model(X, y, lib=lamina, weights=None, lr=0.05, units=None):
    inputs = lib.Input(shape=(X.shape[1],))
    outputs = lib.layers.Dense(units or y.shape[1])(inputs)
    model = lib.Model(inputs, outputs)
    if weights is not None:
        model.set_weights(weights)
    model.compile(loss="mse", optimizer=lib.optimizers.SGD(learning_rate=lr))
    return model


def test_classifier_string_labels_in_pipeline_and_grid_search():
    clf = SKLearnClassifier(classifier_model, model_kwargs={"units": 4},
                            fit_kwargs={"epochs": 2, "verbose": 0})
    pipe = make_pipeline(StandardScaler(), clf).fit(X, LABELS)
    predicted = pipe.predict(X)
    assert predicted.shape == (48,) and set(predicted) <= set(LABELS)
    np.testing.assert_array_equal(pipe[-1].classes_, ["cat", "dog", "emu"])
    assert 0.0 <= pipe.score(X, LABELS) <= 1.0
    outputs = pipe.decision_function(X)
    assert outputs.shape == (48, 3)
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(
        pipe[-1].classes_[outputs.argmax(axis=1)], predicted)
    search = GridSearchCV(clf, {"model_kwargs": [{"units": 2}, {"units": 4}]},
                          cv=2).fit(X, LABELS)
    assert search.best_params_["model_kwargs"]["units"] in (2, 4)
    assert search.predict(X[:5]).shape == (5,)


def test_regressor_learns_in_pipeline_and_grid_search():
    reg = SKLearnRegressor(linear_model,
                           fit_kwargs={"epochs": 30, "verbose": 0})
    pipe = make_pipeline(StandardScaler(), reg).fit(X, TARGET)
    assert pipe.predict(X).shape == (48,)
    assert pipe.score(X, TARGET) > 0.9  # R^2 of a linear target
    assert pipe[-1].epoch_ == 30 and len(pipe[-1].history_["loss"]) == 30
    search = GridSearchCV(reg, {"model_kwargs": [{"lr": 0.0}, {"lr": 0.05}]},
                          cv=2).fit(X, TARGET)
    assert search.best_params_ == {"model_kwargs": {"lr": 0.05}}
    # A column target is raveled, with scikit-learn's warning, as in Keras.
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        reg.fit(X, TARGET[:, None])
    assert reg.predict(X).shape == (48,)


def test_transformer_outputs_the_model_outputs():
    tr = SKLearnTransformer(linear_model, model_kwargs={"units": 3},
                            fit_kwargs={"epochs": 1, "verbose": 0})
    out = tr.fit_transform(X, TARGET)
    assert out.shape == (48, 3)
    np.testing.assert_allclose(out, tr.model_.predict(X, verbose=0))


def test_compiled_model_instance_is_copied_unless_warm_start():
    model = linear_model(X, TARGET[:, None])
    before = [w.copy() for w in model.get_weights()]
    reg = SKLearnRegressor(model, fit_kwargs={"epochs": 2, "verbose": 0})
    reg.fit(X, TARGET)
    assert reg.model_ is not model and reg.model_.compiled
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    warm = SKLearnRegressor(model, warm_start=True,
                            fit_kwargs={"epochs": 2, "verbose": 0})
    warm.fit(X, TARGET)
    assert warm.model_ is model
    trained = [w.copy() for w in model.get_weights()]
    warm.fit(X, TARGET)  # continues from the trained weights
    assert warm.model_ is model
    assert not np.allclose(trained[0], model.get_weights()[0])


def test_fit_keywords_override_without_changing_fit_kwargs():
    fit_kwargs = {"epochs": 3, "verbose": 0}
    reg = SKLearnRegressor(linear_model, fit_kwargs=fit_kwargs)
    reg.fit(X, TARGET, epochs=1)
    assert reg.epoch_ == 1 and fit_kwargs == {"epochs": 3, "verbose": 0}


def test_bad_models_and_targets_raise_clear_errors():
    uncompiled = lamina.Sequential([lamina.Input((4,)),
                                    lamina.layers.Dense(1)])
    with pytest.raises(RuntimeError, match="must be compiled"):
        SKLearnRegressor(uncompiled).fit(X, TARGET)
    with pytest.raises(TypeError, match="must return a lamina Model"):
        SKLearnRegressor(lambda X, y: "model").fit(X, TARGET)
    with pytest.raises(ValueError, match="binary and multiclass"):
        SKLearnClassifier(classifier_model).fit(X, TARGET)
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(classifier_model).fit(X, np.zeros(48))


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    import builtins

    from lamina.wrappers import sklearn_estimators

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.split(".")[0] == "sklearn":
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"pip install lamina\[sklearn\]"):
        sklearn_estimators._require_sklearn()


def test_fit_request_routes_sample_weight_to_model_fit():
    import sklearn

    reg = SKLearnRegressor(linear_model, fit_kwargs={"epochs": 1,
                                                     "verbose": 0})
    with pytest.raises(RuntimeError, match="metadata routing"):
        reg.set_fit_request(sample_weight=True)
    weights = np.zeros(48, "float32")  # zero weight: no gradient, no change
    with sklearn.config_context(enable_metadata_routing=True):
        assert reg.set_fit_request(sample_weight=True) is reg
        pipe = make_pipeline(StandardScaler().set_fit_request(
            sample_weight=False), reg)
        pipe.fit(X, TARGET, sample_weight=weights)
    fitted = pipe[-1]
    assert fitted.history_["loss"] == [pytest.approx(0.0)]


@pytest.mark.parametrize("name", ["SKLearnClassifier", "SKLearnRegressor",
                                  "SKLearnTransformer"])
def test_same_public_methods_as_keras(name):
    keras = pytest.importorskip("keras")

    def public(cls):
        return {n for n in dir(cls) if not n.startswith("_")}

    assert public(getattr(lamina.wrappers, name)) == public(
        getattr(keras.wrappers, name))


@pytest.mark.parametrize("kind", ["classifier", "regressor", "transformer"])
def test_same_predictions_as_keras_wrappers_on_same_weights(kind):
    keras = pytest.importorskip("keras")
    if keras.config.backend() != "torch":
        pytest.skip("the reference runs on Keras's torch backend")
    import keras.wrappers as keras_wrappers

    builder = classifier_model if kind == "classifier" else linear_model
    y = LABELS if kind == "classifier" else TARGET
    width = 3 if kind != "regressor" else 1
    reference = builder(X, np.zeros((1, width)), lib=keras)
    weights = reference.get_weights()
    cls_name = {"classifier": "SKLearnClassifier",
                "regressor": "SKLearnRegressor",
                "transformer": "SKLearnTransformer"}[kind]
    extra = {"units": 3} if kind == "transformer" else {}
    # learning rate 0: fitting leaves the shared weights as they are
    fit = {"epochs": 1, "verbose": 0}
    ours = getattr(lamina.wrappers, cls_name)(
        builder, model_kwargs={"weights": weights, "lr": 0.0, **extra},
        fit_kwargs=fit).fit(X, y)
    theirs = getattr(keras_wrappers, cls_name)(
        builder, model_kwargs={"weights": weights, "lr": 0.0, "lib": keras,
                               **extra},
        fit_kwargs=fit).fit(X, y)
    if kind == "transformer":
        np.testing.assert_allclose(ours.transform(X), theirs.transform(X),
                                   rtol=1e-5, atol=1e-6)
        return
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-6)
    if kind == "classifier":
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        np.testing.assert_allclose(ours.decision_function(X),
                                   theirs.decision_function(X),
                                   rtol=1e-5, atol=1e-6)
