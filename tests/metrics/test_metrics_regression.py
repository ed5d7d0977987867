import warnings

import numpy as np
import pytest

import lamina.metrics as metrics

N, D = 12, 3


def _regression(rng):
    y_true = rng.normal(size=(N, D)).astype("float32")
    return y_true, (y_true + 0.5 * rng.normal(size=(N, D))).astype("float32")


def _positive(rng):
    y_true = rng.uniform(0.5, 3.0, size=(N, D)).astype("float32")
    return y_true, rng.uniform(0.1, 3.0, size=(N, D)).astype("float32")


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


CASES = [
    ("MeanSquaredError", {}, _regression),
    ("MeanAbsoluteError", {}, _regression),
    ("MeanAbsolutePercentageError", {}, _positive),
    ("MeanSquaredLogarithmicError", {}, _positive),
    ("RootMeanSquaredError", {}, _regression),
    ("CosineSimilarity", {}, _regression),
    ("CosineSimilarity", {"axis": 0}, _regression),
    ("LogCoshError", {}, _regression),
    ("R2Score", {}, _regression),
    ("R2Score", {"class_aggregation": None}, _regression),
    ("R2Score", {"class_aggregation": "variance_weighted_average"},
     _regression),
    ("R2Score", {"num_regressors": 2}, _regression),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs,make", CASES)
def test_parity_with_keras(parity, make_batches, class_name, kwargs, make,
                           weighted):
    if weighted and kwargs.get("axis") == 0:
        weights = lambda t, p: (t.shape[1],)  # noqa: E731 (one per column)
    else:
        weights = _per_sample if weighted else None
    batches = make_batches(make, weights)
    parity.run(class_name, batches, kwargs, as_torch=weighted)


@pytest.mark.parametrize("class_name", ["RootMeanSquaredError", "R2Score"])
def test_per_element_and_column_weights(parity, make_batches, class_name):
    parity.run(class_name, make_batches(_regression, lambda t, p: t.shape))
    parity.run(class_name, make_batches(_regression,
                                        lambda t, p: (t.shape[0], 1)))


def test_weights_that_do_not_broadcast_raise_clear_error(make_batches):
    # MSE values are per sample, so per-element weights cannot apply.
    y_true, y_pred, weights = make_batches(_regression, lambda t, p: t.shape,
                                           num_batches=1)[0]
    with pytest.raises(ValueError, match="sample_weight.shape=\\(12, 3\\)"):
        metrics.MeanSquaredError().update_state(y_true, y_pred, weights)


def test_rank1_inputs(parity, make_batches):
    def make(rng):
        y_true = rng.normal(size=(N,)).astype("float32")
        return y_true, rng.normal(size=(N, 1)).astype("float32")

    parity.run("RootMeanSquaredError", make_batches(make, _per_sample))
    parity.run("MeanSquaredError", make_batches(make, _per_sample))


def test_adjusted_r2_falls_back_with_warning():
    metric = metrics.R2Score(num_regressors=5)
    metric.update_state(np.ones((2, 1)), np.zeros((2, 1)))
    with pytest.warns(UserWarning, match="More independent predictors"):
        metric.result()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.R2Score().update_state(np.ones((2, 1)), np.zeros((2, 1)))


def test_known_values():
    metric = metrics.RootMeanSquaredError()
    metric.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert float(metric.result()) == pytest.approx(0.5)
    metric = metrics.R2Score()
    metric.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]])
    assert float(metric.result()) == pytest.approx(1.0)


def test_configs_match_keras(keras_ref):
    for class_name, kwargs, _ in CASES:
        if class_name == "CosineSimilarity" and kwargs:
            continue  # Keras drops `axis`; Lamina keeps a non-default one.
        kwargs = {"name": "regression_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()
    assert metrics.CosineSimilarity(axis=0).get_config()["axis"] == 0


def test_invalid_arguments():
    with pytest.raises(ValueError, match="class_aggregation='median'|"
                                         "class_aggregation=median"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="num_regressors=-1"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.R2Score().update_state(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="same shape"):
        metrics.R2Score().update_state(np.ones((4, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="compatible shapes"):
        metrics.RootMeanSquaredError().update_state(np.ones((4, 2)),
                                                    np.ones((4, 3)))
