import numpy as np
import pytest
import torch

import lamina.metrics as metrics
from lamina.metrics import Metric


class BinaryTruePositives(Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), initializer="zeros", name="true_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = torch.as_tensor(y_true).bool()
        y_pred = torch.as_tensor(y_pred).bool()
        values = (y_true & y_pred).to(self.true_positives.dtype)
        if sample_weight is not None:
            values = values * torch.as_tensor(sample_weight)
        self.true_positives.assign(self.true_positives + values.sum())

    def result(self):
        return self.true_positives.clone()


class TwoMeans(Metric):
    def __init__(self):
        super().__init__(name="two_means")
        self.first = metrics.Mean(name="first")
        self.second = metrics.Mean(name="second")

    def update_state(self, a, b):
        self.first.update_state(a)
        self.second.update_state(b)

    def result(self):
        return {"first": self.first.result(), "second": self.second.result()}


def test_custom_metric_lifecycle():
    metric = BinaryTruePositives()
    assert float(metric([1, 1, 0, 1], [1, 0, 1, 1])) == 2.0
    metric.update_state([1, 1], [1, 1], sample_weight=[0.5, 0.25])
    assert float(metric.result()) == 2.75
    assert metric.variables[0].path == "binary_true_positives/true_positives"
    assert metric.variables[0].name == "true_positives"
    assert metric.variables[0].trainable is False
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert metric.get_config() == {"name": "binary_true_positives",
                                   "dtype": "float32"}
    assert repr(metric) == "<BinaryTruePositives name=binary_true_positives>"


def test_nested_metrics_contribute_variables():
    metric = TwoMeans()
    assert len(metric.variables) == 4
    result = metric(np.array([1.0, 3.0]), np.array([10.0]))
    assert {k: float(v) for k, v in result.items()} == {"first": 2.0,
                                                        "second": 10.0}
    metric.reset_state()
    assert all(not v.any() for v in metric.variables)


def test_auto_names_are_unique_snake_case():
    first, second = metrics.Precision(), metrics.Precision()
    assert (first.name, second.name) == ("precision", "precision_1")
    assert metrics.MeanIoU(2).name == "mean_io_u"
    assert metrics.Mean().name == "mean"  # explicit default names stay


def test_add_variable_options():
    metric = Metric(name="state")
    ones = metric.add_variable((2, 3), initializer="ones", dtype="int32",
                               name="ones")
    assert ones.dtype == torch.int32 and ones.sum() == 6
    custom = metric.add_variable(
        (2,), initializer=lambda shape, dtype: np.full(shape, 4.0),
        name="custom")
    assert custom.tolist() == [4.0, 4.0]
    assert custom.aggregation == "sum"
    assert metric.add_variable(3, name="v").shape == (3,)
    assert custom.device == metric.device
    with pytest.raises(ValueError, match="aggregation='avg'"):
        metric.add_variable((), aggregation="avg")


def test_missing_super_init_is_reported():
    class Broken(Metric):
        def __init__(self):
            self.total = self.add_variable((), name="total")

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Broken()


def test_updates_never_track_gradients():
    metric = metrics.MeanSquaredError()
    y_pred = torch.randn(4, 2, requires_grad=True)
    metric.update_state(torch.zeros(4, 2), y_pred * 2.0)
    assert not any(v.requires_grad for v in metric.variables)
    assert metric.result().grad_fn is None


def test_state_built_in_inference_mode_updates_outside():
    metric = metrics.F1Score()
    with torch.inference_mode():
        metric.update_state(np.eye(3), np.eye(3))
    metric.update_state(np.eye(3), np.eye(3))
    np.testing.assert_allclose(metric.result().cpu().numpy(), [1.0, 1.0, 1.0],
                               atol=1e-6)


def test_dtype_and_policy():
    assert metrics.Mean(dtype="float64").dtype == "float64"
    assert metrics.Mean(dtype=torch.float16).dtype == "float16"
    assert metrics.Mean(dtype="mixed_bfloat16").dtype == "bfloat16"
    sum_metric = metrics.Sum(dtype="float64")
    sum_metric.update_state(np.array([0.1, 0.2]))
    assert sum_metric.result().dtype == torch.float64


def test_result_does_not_alias_state():
    metric = metrics.Sum()
    metric.update_state([1.0])
    value = metric.result()
    metric.update_state([1.0])
    assert float(value) == 1.0
    counts = metrics.TruePositives(thresholds=[0.2, 0.8])
    counts.update_state([1], [0.5])
    value = counts.result()
    counts.update_state([1], [0.9])
    assert value.tolist() == [1.0, 0.0]


def test_from_config_round_trip():
    metric = metrics.BinaryAccuracy(name="acc", threshold=0.3)
    clone = metrics.BinaryAccuracy.from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()


def test_state_follows_the_accelerator_input():
    # "meta" stands in for an accelerator: y_pred's device wins over the
    # CPU labels, and the state moves there once.
    metric = metrics.MeanSquaredError()
    metric.update_state(torch.ones(4, 2), torch.ones(4, 2, device="meta"))
    assert metric.device == torch.device("meta")
    assert all(v.device.type == "meta" for v in metric.variables)
    assert metric.result().device.type == "meta"
