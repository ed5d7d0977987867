"""`lamina.wrappers`: scikit-learn estimators around a Lamina model.

scikit-learn is optional: the three classes are built the first time one of
them is looked up, and a missing scikit-learn is an ImportError that names
`pip install lamina[sklearn]`.
"""

_EXPORTS = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer")


def __getattr__(name):
    if name in _EXPORTS:
        from lamina.wrappers.sklearn_estimators import estimator_classes

        return estimator_classes()[name]
    raise AttributeError(f"module 'lamina.wrappers' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
