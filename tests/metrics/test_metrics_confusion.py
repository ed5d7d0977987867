import numpy as np
import pytest
import torch

import lamina.metrics as metrics

N, C = 24, 5


def _flat(rng):
    return (rng.integers(0, 2, size=(N,)).astype("float32"),
            rng.uniform(size=(N,)).astype("float32"))


def _multi(rng):
    return (rng.integers(0, 2, size=(N, C)).astype("float32"),
            rng.uniform(size=(N, C)).astype("float32"))


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


THRESHOLDS = [None, 0.3, [0.1, 0.35, 0.8], [0.0, 0.25, 0.5, 0.75, 1.0]]
COUNTS = ["TruePositives", "FalsePositives", "TrueNegatives",
          "FalseNegatives"]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("thresholds", THRESHOLDS)
@pytest.mark.parametrize("class_name", COUNTS + ["Precision", "Recall"])
def test_thresholded_parity(parity, make_batches, class_name, thresholds,
                            weighted):
    batches = make_batches(_multi, _per_sample if weighted else None)
    parity.run(class_name, batches, {"thresholds": thresholds},
               as_torch=weighted)


@pytest.mark.parametrize("class_name", ["Precision", "Recall"])
@pytest.mark.parametrize("kwargs", [
    {"top_k": 2}, {"class_id": 3}, {"top_k": 2, "class_id": 1},
    {"top_k": 3, "thresholds": [0.2, 0.6]},
])
def test_top_k_and_class_id_parity(parity, make_batches, class_name, kwargs):
    batches = make_batches(_multi, _per_sample)
    parity.run(class_name, batches, kwargs)


def test_per_element_weights_and_rank1_inputs(parity, make_batches):
    parity.run("Precision", make_batches(_multi, lambda t, p: t.shape))
    parity.run("Recall", make_batches(_flat, _per_sample),
               {"thresholds": [0.0, 0.5, 1.0]})
    parity.run("TruePositives", make_batches(_flat, None))


TRADE_OFFS = [
    ("SensitivityAtSpecificity", {"specificity": 0.6}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7}),
    ("PrecisionAtRecall", {"recall": 0.5}),
    ("RecallAtPrecision", {"precision": 0.55}),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs", TRADE_OFFS)
def test_trade_off_parity(parity, make_batches, class_name, kwargs,
                          weighted):
    batches = make_batches(_flat, _per_sample if weighted else None)
    parity.run(class_name, batches, kwargs, as_torch=True)


@pytest.mark.parametrize("class_name,kwargs", TRADE_OFFS)
def test_trade_off_options_parity(parity, make_batches, class_name, kwargs):
    batches = make_batches(_multi, _per_sample)
    parity.run(class_name, batches, {**kwargs, "num_thresholds": 1})
    parity.run(class_name, batches, {**kwargs, "class_id": 2,
                                     "num_thresholds": 37})


def test_known_values():
    metric = metrics.Precision()
    metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert float(metric.result()) == pytest.approx(2 / 3)
    metric = metrics.Recall(thresholds=[0.5, 0.9])
    metric.update_state([0, 1, 1, 1], [0.6, 0.2, 0.95, 0.7])
    np.testing.assert_allclose(metric.result().cpu().numpy(), [2 / 3, 1 / 3],
                               rtol=1e-6)
    metric = metrics.FalseNegatives()
    metric.update_state([0, 1, 1, 1], [0, 1, 0, 0],
                        sample_weight=[0.0, 0.0, 1.0, 0.5])
    assert float(metric.result()) == pytest.approx(1.5)


def test_configs_match_keras(keras_ref):
    cases = [(name, {"thresholds": [0.2, 0.7]}) for name in COUNTS]
    cases += [("Precision", {"thresholds": 0.4, "top_k": 2, "class_id": 1}),
              ("Recall", {})]
    cases += [(name, {**kwargs, "num_thresholds": 50, "class_id": 2})
              for name, kwargs in TRADE_OFFS]
    for class_name, kwargs in cases:
        kwargs = {"name": "confusion_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()


def test_invalid_arguments():
    with pytest.raises(ValueError, match="thresholds.*Received: \\[1.5\\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="thresholds"):
        metrics.TruePositives(thresholds=-0.1)
    with pytest.raises(ValueError, match="specificity=1.2"):
        metrics.SensitivityAtSpecificity(1.2)
    with pytest.raises(ValueError, match="num_thresholds=0"):
        metrics.PrecisionAtRecall(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="class_id"):
        metrics.Precision(class_id=1).update_state([1, 0], [0.3, 0.7])


def test_mismatched_shapes_raise_clear_error():
    with pytest.raises(ValueError, match="same shape.*y_true.shape=\\(4, 3\\)"):
        metrics.Recall().update_state(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Precision().update_state(np.zeros((4, 3)), np.zeros((4, 3)),
                                         sample_weight=np.ones((5,)))


def test_update_is_device_resident_and_detached():
    metric = metrics.Precision(thresholds=[0.0, 0.5, 1.0])
    y_pred = torch.rand(8, requires_grad=True)
    metric.update_state(torch.ones(8), y_pred * 1.0)
    assert not any(v.requires_grad for v in metric.variables)
    assert metric.result().shape == (3,)
