import numpy as np
import pytest
import torch

import lamina.metrics as metrics

N, C = 16, 4


def _multi_label(rng):
    return (rng.integers(0, 2, size=(N, C)).astype("float32"),
            rng.uniform(size=(N, C)).astype("float32"))


def _one_hot(rng):
    y_true = np.eye(C, dtype="float32")[rng.integers(0, C, size=N)]
    return y_true, rng.uniform(size=(N, C)).astype("float32")


def _regression(rng):
    y_true = rng.normal(size=(N, C)).astype("float32")
    return y_true, (y_true + rng.normal(size=(N, C))).astype("float32")


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


F_CASES = [
    ("F1Score", {}, _one_hot),
    ("F1Score", {"average": "micro", "threshold": 0.5}, _multi_label),
    ("F1Score", {"average": "macro"}, _one_hot),
    ("F1Score", {"average": "weighted", "threshold": 0.3}, _multi_label),
    ("FBetaScore", {"beta": 2.0}, _one_hot),
    ("FBetaScore", {"average": "macro", "beta": 0.5, "threshold": 0.6},
     _multi_label),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs,make", F_CASES)
def test_f_score_parity(parity, make_batches, class_name, kwargs, make,
                        weighted):
    batches = make_batches(make, _per_sample if weighted else None)
    parity.run(class_name, batches, kwargs, as_torch=weighted)


CORRELATION_CASES = [
    ("PearsonCorrelation", {}), ("PearsonCorrelation", {"axis": 0}),
    ("ConcordanceCorrelation", {}), ("ConcordanceCorrelation", {"axis": 0}),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs", CORRELATION_CASES)
def test_correlation_parity(parity, make_batches, class_name, kwargs,
                            weighted):
    if weighted and kwargs.get("axis") == 0:
        weights = lambda t, p: (t.shape[1],)  # noqa: E731
    else:
        weights = _per_sample if weighted else None
    parity.run(class_name, make_batches(_regression, weights), kwargs)


@pytest.mark.parametrize("fn_name", ["pearson_correlation",
                                     "concordance_correlation"])
def test_correlation_functions(keras_ref, rng, fn_name):
    y_true, y_pred = _regression(rng)
    expected = keras_ref.ops.convert_to_numpy(
        getattr(keras_ref.metrics, fn_name)(y_true, y_pred, axis=-1))
    actual = getattr(metrics, fn_name)(torch.as_tensor(y_true),
                                       torch.as_tensor(y_pred))
    np.testing.assert_allclose(actual.cpu().numpy(), expected, rtol=1e-5,
                               atol=1e-6)


def test_configs_match_keras(keras_ref):
    cases = [(c, k) for c, k, _ in F_CASES] + CORRELATION_CASES
    for class_name, kwargs in cases:
        kwargs = {"name": "score_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()


def test_f_score_known_value():
    metric = metrics.F1Score(threshold=0.5)
    metric.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
                        np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6],
                                  [0.6, 0.8, 0.0]]))
    np.testing.assert_allclose(metric.result().cpu().numpy(),
                               [0.5, 0.8, 0.6666667], rtol=1e-5)


def test_f_score_invalid_arguments():
    with pytest.raises(ValueError, match="average=median"):
        metrics.F1Score(average="median")
    with pytest.raises(ValueError, match="beta=2"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="beta=-1.0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="threshold=1.5"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="threshold=1 "):
        metrics.F1Score(threshold=1)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state(np.ones((4,)), np.ones((4,)))
    metric = metrics.F1Score()
    metric.update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="built for 3 classes"):
        metric.update_state(np.ones((2, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="same shape"):
        metric.update_state(np.ones((2, 3)), np.ones((2, 4)))


def test_correlation_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        metrics.PearsonCorrelation().update_state(np.ones((4, 3)),
                                                  np.ones((4, 2)))
