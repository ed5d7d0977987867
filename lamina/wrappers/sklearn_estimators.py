"""SKLearnClassifier, SKLearnRegressor and SKLearnTransformer: a compiled
Lamina model (or a function that builds one) as a scikit-learn estimator.

scikit-learn is an optional dependency, so the classes, which must derive
from scikit-learn's `BaseEstimator` and mixins, are created on first use by
`estimator_classes()`. Each is created once and registered under
`lamina.wrappers.<name>`, so pickling and `sklearn.base.clone` see ordinary
module-level classes. The behaviour lives in the plain classes below.
"""

import copy

import numpy as np

_CLASSES = {}


def _require_sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "lamina.wrappers needs scikit-learn, which is not installed. "
            "Install it with `pip install lamina[sklearn]` (or "
            "`pip install scikit-learn`)."
        ) from error


def _validate(estimator, X, *y, reset=True):
    from sklearn.utils.validation import validate_data

    return validate_data(estimator, X, *y, reset=reset)


def _target_type(y):
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind == "unknown":
        raise ValueError(f"Unknown label type for y: {y!r}")
    return kind


def _compiled_copy(model):
    """A fresh copy of `model` (new weights), compiled as `model` is."""
    from lamina.models.cloning import clone_model

    clone = clone_model(model)
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


class _Estimator:
    """Behaviour shared by the three wrappers (see the class docstrings)."""

    def __init__(self, model, warm_start=False, model_kwargs=None,
                 fit_kwargs=None):
        _require_sklearn()
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_clone__(self):
        model = self.model if callable(self.model) and not _is_model(
            self.model) else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """The number of epochs the last `fit` ran (0 before fitting)."""
        history = getattr(self, "history_", None) or {}
        return len(next(iter(history.values()), []))

    def set_fit_request(self, **kwargs):
        """Request metadata for `fit` under scikit-learn's metadata routing
        (enabled with `sklearn.set_config(enable_metadata_routing=True)`):
        each `param=alias` (alias `True`, `False`, `None` or a name) asks a
        meta-estimator to pass that metadata on to `model.fit`."""
        import sklearn
        from sklearn.utils.metadata_routing import MetadataRequest

        if not sklearn.get_config().get("enable_metadata_routing", False):
            raise RuntimeError(
                f"{type(self).__name__}.set_fit_request is only available "
                "when metadata routing is enabled: call "
                "`sklearn.set_config(enable_metadata_routing=True)` first.")
        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.fit.add_request(param=param, alias=alias)
        return self

    def _build_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if _is_model(self.model):
            model = self.model if self.warm_start else _compiled_copy(
                self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled "
                "lamina Model or a callable that returns one, received "
                f"{self.model!r} of type {type(self.model).__name__}.")
        if not _is_model(model):
            raise TypeError(
                f"{type(self).__name__}: the `model` callable must return a "
                f"lamina Model, it returned {type(model).__name__}.")
        if not model.compiled or not model.loss or not model.optimizer:
            raise RuntimeError(
                f"{type(self).__name__}: the model must be compiled with a "
                "loss and an optimizer before fitting (call "
                "`model.compile(loss=..., optimizer=...)`).")
        return model

    def fit(self, X, y, **kwargs):
        """Fit the model on `X` (n_samples, n_features) and targets `y`;
        keyword arguments go to `model.fit` and override `fit_kwargs`."""
        X, y = _validate(self, X, y, reset=True)
        y = self._encode_target(y, reset=True)
        model = self._build_model(X, y)
        options = dict(self.fit_kwargs or {})
        options.update(kwargs)
        self.history_ = dict(model.fit(X, y, **options).history)
        self.model_ = model
        return self

    def _raw_predict(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self.model_.predict(X, verbose=0)

    def predict(self, X):
        """The model's predictions for `X`, in the form of the targets."""
        return self._decode_target(self._raw_predict(X))

    def _encode_target(self, y, reset=False):
        _target_type(y)
        if reset:
            self.target_ndim_ = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_target(self, y):
        if self.target_ndim_ == 1 and y.ndim == 2 and y.shape[1] == 1:
            return np.squeeze(y, axis=1)
        return y


class _Classifier(_Estimator):
    def decision_function(self, X):
        """The model's raw outputs for `X` (one column per class)."""
        return self._raw_predict(X)

    def _encode_target(self, y, reset=False):
        kind = _target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass "
                f"targets only; received a target of type {kind!r}.")
        column = y.reshape(-1, 1) if y.ndim == 1 else y
        if reset:
            from sklearn.preprocessing import OneHotEncoder

            self.target_ndim_ = y.ndim
            self._one_hot = OneHotEncoder(sparse_output=False).fit(column)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError(
                    f"{type(self).__name__} cannot train when only one class "
                    f"is present in the target ({self.classes_[0]!r}).")
        return self._one_hot.transform(column)

    def _decode_target(self, y):
        return super()._decode_target(self._one_hot.inverse_transform(y))


class _Transformer(_Estimator):
    def transform(self, X):
        """The model's outputs for `X`: the transformed features."""
        return self._raw_predict(X)


def _is_model(value):
    from lamina.models.model import Model

    return isinstance(value, Model)


def estimator_classes():
    """{name: class} of the three wrappers, created on the first call."""
    if _CLASSES:
        return _CLASSES
    _require_sklearn()
    from sklearn.base import (BaseEstimator, ClassifierMixin, RegressorMixin,
                              TransformerMixin)

    class SKLearnClassifier(ClassifierMixin, _Classifier, BaseEstimator):
        """scikit-learn classifier around a compiled Lamina model.

        `model` is a compiled `Model` (a copy with fresh weights is trained,
        unless `warm_start=True`) or a callable `model(X=..., y=...,
        **model_kwargs)` that returns one. Targets are one-hot encoded for
        training (`classes_` holds the labels, of any type); `predict`
        returns the label of each row's largest output.
        `decision_function` returns the raw outputs. `fit_kwargs` (and
        keyword arguments of `fit`) go to `model.fit`; `warm_start=True`
        continues training the fitted model on each `fit`.
        """

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.non_deterministic = True
            tags.classifier_tags.poor_score = True
            return tags

    class SKLearnRegressor(RegressorMixin, _Estimator, BaseEstimator):
        """scikit-learn regressor around a compiled Lamina model (see
        `SKLearnClassifier` for the arguments); 1-D targets give 1-D
        predictions."""

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.non_deterministic = True
            tags.regressor_tags.poor_score = True
            return tags

    class SKLearnTransformer(TransformerMixin, _Transformer, BaseEstimator):
        """scikit-learn transformer around a compiled Lamina model (see
        `SKLearnClassifier` for the arguments): `fit(X, y)` trains it,
        `transform(X)` returns its outputs."""

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.non_deterministic = True
            tags.transformer_tags.preserves_dtype = []
            return tags

    for cls in (SKLearnClassifier, SKLearnRegressor, SKLearnTransformer):
        cls.__module__ = "lamina.wrappers"
        cls.__qualname__ = cls.__name__
        _CLASSES[cls.__name__] = cls
    return _CLASSES
