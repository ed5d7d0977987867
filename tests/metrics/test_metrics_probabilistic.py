import numpy as np
import pytest

import lamina.metrics as metrics

N, C = 10, 4


def _probabilities(rng):
    y_true = np.eye(C, dtype="float32")[rng.integers(0, C, size=N)]
    logits = rng.normal(size=(N, C))
    y_pred = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return y_true, y_pred.astype("float32")


def _logits(rng):
    y_true = np.eye(C, dtype="float32")[rng.integers(0, C, size=N)]
    return y_true, rng.normal(size=(N, C)).astype("float32")


def _binary(rng):
    return (rng.integers(0, 2, size=(N, 1)).astype("float32"),
            rng.uniform(0.05, 0.95, size=(N, 1)).astype("float32"))


def _sparse(rng):
    y_true, y_pred = _probabilities(rng)
    return y_true.argmax(-1).astype("int32"), y_pred


def _distributions(rng):
    _, y_true = _probabilities(rng)
    return y_true, _probabilities(rng)[1]


def _signed(rng):
    return (rng.choice([-1.0, 1.0], size=(N, C)).astype("float32"),
            rng.normal(size=(N, C)).astype("float32"))


def _counts(rng):
    return (rng.poisson(2.0, size=(N, C)).astype("float32"),
            rng.uniform(0.5, 4.0, size=(N, C)).astype("float32"))


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


CASES = [
    ("BinaryCrossentropy", {}, _binary),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     _logits),
    ("CategoricalCrossentropy", {}, _probabilities),
    ("CategoricalCrossentropy", {"from_logits": True,
                                 "label_smoothing": 0.2}, _logits),
    ("SparseCategoricalCrossentropy", {}, _sparse),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, _sparse),
    ("KLDivergence", {}, _distributions),
    ("Poisson", {}, _counts),
    ("Hinge", {}, _signed),
    ("SquaredHinge", {}, _signed),
    ("CategoricalHinge", {}, _logits),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs,make", CASES)
def test_parity_with_keras(parity, make_batches, class_name, kwargs, make,
                           weighted):
    batches = make_batches(make, _per_sample if weighted else None)
    parity.run(class_name, batches, kwargs, as_torch=weighted)


def test_configs_match_keras(keras_ref):
    for class_name, kwargs, _ in CASES:
        kwargs = {"name": "probabilistic_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()


def test_loss_functions_are_reexported():
    from lamina import losses

    assert metrics.binary_crossentropy is losses.binary_crossentropy
    assert metrics.mean_squared_error is losses.mean_squared_error
    assert "squared_hinge" in dir(metrics)
    with pytest.raises(AttributeError, match="no_such_function"):
        metrics.no_such_function  # noqa: B018
