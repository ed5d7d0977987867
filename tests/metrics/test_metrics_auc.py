import numpy as np
import pytest
import torch

import lamina.metrics as metrics

N, L = 40, 3


def _flat(rng):
    y_true = rng.integers(0, 2, size=(N,)).astype("float32")
    # Scores correlated with the labels, so the curves are not trivial.
    y_pred = np.clip(0.35 * y_true + rng.uniform(size=(N,)) * 0.65, 0, 1)
    return y_true, y_pred.astype("float32")


def _multi(rng):
    y_true = rng.integers(0, 2, size=(N, L)).astype("float32")
    y_pred = np.clip(0.3 * y_true + rng.uniform(size=(N, L)) * 0.7, 0, 1)
    return y_true, y_pred.astype("float32")


def _logits(rng):
    y_true = rng.integers(0, 2, size=(N, L)).astype("float32")
    return y_true, rng.normal(size=(N, L)).astype("float32") + y_true


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("summation_method",
                         ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("curve", ["ROC", "PR", "PRGAIN"])
def test_curves_parity(parity, make_batches, curve, summation_method,
                       weighted):
    batches = make_batches(_flat, _per_sample if weighted else None)
    parity.run("AUC", batches, {"curve": curve,
                                "summation_method": summation_method},
               atol=1e-4, rtol=1e-4, as_torch=weighted)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("kwargs", [
    {"num_thresholds": 7},
    {"thresholds": [0.1, 0.4, 0.45, 0.9]},
    {"thresholds": [0.25, 0.5, 0.75]},
    {"label_weights": [0.5, 1.0, 2.0]},
    {"from_logits": True},
])
def test_options_parity(parity, make_batches, curve, kwargs):
    make = _logits if kwargs.get("from_logits") else _multi
    batches = make_batches(make, _per_sample)
    parity.run("AUC", batches, {"curve": curve, **kwargs},
               atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("kwargs", [
    {}, {"num_labels": L}, {"label_weights": [0.2, 0.0, 1.5]},
    {"thresholds": [0.3, 0.5, 0.6]}, {"from_logits": True},
])
def test_multi_label_parity(parity, make_batches, curve, kwargs):
    make = _logits if kwargs.get("from_logits") else _multi
    batches = make_batches(make, lambda t, p: t.shape)
    parity.run("AUC", batches, {"curve": curve, "multi_label": True,
                                **kwargs}, atol=1e-4, rtol=1e-4)


def test_known_value():
    metric = metrics.AUC(num_thresholds=3)
    metric.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert float(metric.result()) == pytest.approx(0.75)


def test_thresholds_property_and_reset(keras_ref):
    metric = metrics.AUC(num_thresholds=5)
    expected = keras_ref.metrics.AUC(num_thresholds=5).thresholds
    np.testing.assert_allclose(metric.thresholds, expected)
    lazy = metrics.AUC(multi_label=True)
    assert lazy.variables == []
    lazy.reset_state()
    lazy.update_state(np.ones((4, 2)), np.full((4, 2), 0.7))
    assert lazy.true_positives.shape == (200, 2)


def test_configs_match_keras(keras_ref):
    cases = [
        {}, {"num_thresholds": 50, "curve": "PR",
             "summation_method": "majoring"},
        {"thresholds": [0.1, 0.5, 0.8], "multi_label": True,
         "num_labels": 3, "from_logits": True},
        {"label_weights": [1.0, 2.0]},
    ]
    for kwargs in cases:
        kwargs = {"name": "auc_metric", **kwargs}
        expected = keras_ref.metrics.AUC(**kwargs).get_config()
        actual = metrics.AUC(**kwargs).get_config()
        if expected["label_weights"] is not None:
            expected["label_weights"] = keras_ref.ops.convert_to_numpy(
                expected["label_weights"]).tolist()
        assert actual == expected
        clone = metrics.AUC.from_config(actual)
        assert clone.get_config() == actual


def test_invalid_arguments():
    with pytest.raises(ValueError, match="num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve='XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation_method='trapezoid'"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="thresholds"):
        metrics.AUC(thresholds=[0.5, 2.0])
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match=r"\(batch_size, 3\)"):
        metrics.AUC(multi_label=True, num_labels=3).update_state(
            np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="same shape"):
        metrics.AUC().update_state(np.ones((4, 2)), np.ones((4, 3)))


def test_to_moves_state_in_place():
    metric = metrics.AUC()
    variables = metric.variables
    metric.to("meta")
    assert metric.device == torch.device("meta")
    # Same objects, now on the meta device: references stay valid.
    assert all(a is b for a, b in zip(variables, metric.variables))
    assert metric.true_positives is variables[0]
    assert all(v.device.type == "meta" for v in variables)
    assert variables[0].path == "auc/true_positives"


def test_update_on_another_device_moves_state_once(monkeypatch):
    metric = metrics.AUC()
    moves = []
    original = type(metric).to

    def spy(self, device):
        moves.append(torch.device(device))
        return original(self, device)

    monkeypatch.setattr(type(metric), "to", spy)
    metric._device = torch.device("meta")  # pretend it lives elsewhere
    for _ in range(3):
        metric.update_state(torch.tensor([0.0, 1.0]),
                            torch.tensor([0.2, 0.8]))
    assert moves == [torch.device("cpu")]
    assert metric.device == torch.device("cpu")
    assert float(metric.result()) == pytest.approx(1.0)
