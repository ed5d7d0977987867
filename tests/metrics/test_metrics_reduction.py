import numpy as np
import pytest
import torch

import lamina.metrics as metrics

# (values shape, sample_weight shape or None)
SHAPES = [
    ((8,), None), ((8,), (8,)), ((8, 3), None), ((8, 3), (8,)),
    ((8, 3), (8, 1)), ((8, 3), (8, 3)), ((8, 3, 2), (8, 3)), ((8,), ()),
    ((8, 3), ()), ((), None), ((), ()),
]


@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
@pytest.mark.parametrize("values_shape,weights_shape", SHAPES)
def test_parity_with_keras(keras_ref, rng, class_name, values_shape,
                           weights_shape):
    keras_metric = getattr(keras_ref.metrics, class_name)()
    metric = getattr(metrics, class_name)()
    for step in range(3):
        values = rng.normal(size=values_shape).astype("float32")
        weights = None if weights_shape is None else \
            rng.uniform(0, 2, size=weights_shape).astype("float32")
        keras_metric.update_state(values, sample_weight=weights)
        if step == 1:
            values = torch.as_tensor(values)
        metric.update_state(values, sample_weight=weights)
        np.testing.assert_allclose(
            metric.result().cpu().numpy(),
            keras_ref.ops.convert_to_numpy(keras_metric.result()),
            rtol=1e-5, atol=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_known_values():
    mean = metrics.Mean()
    mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(mean.result()) == 2.0
    total = metrics.Sum()
    assert float(total([1, 3, 5, 7])) == 16.0
    assert metrics.Mean(dtype="float64").result().dtype == torch.float64


def _scaled_difference(y_true, y_pred, scale=1.0):
    return scale * torch.abs(y_true - y_pred).mean(dim=-1)


def test_mean_metric_wrapper_parity(keras_ref, rng):
    def keras_fn(y_true, y_pred, scale=1.0):
        ops = keras_ref.ops
        return scale * ops.mean(ops.abs(y_true - y_pred), axis=-1)

    keras_metric = keras_ref.metrics.MeanMetricWrapper(keras_fn, scale=2.0)
    metric = metrics.MeanMetricWrapper(_scaled_difference, scale=2.0)
    for _ in range(3):
        y_true = rng.normal(size=(6, 4)).astype("float32")
        y_pred = rng.normal(size=(6, 4)).astype("float32")
        weights = rng.uniform(size=(6,)).astype("float32")
        keras_metric.update_state(y_true, y_pred, sample_weight=weights)
        metric.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(
        metric.result().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(keras_metric.result()), rtol=1e-5)
    assert metric.name == "mean_metric_wrapper"


def test_mean_metric_wrapper_config_round_trip(keras_ref):
    from lamina import losses

    metric = metrics.MeanMetricWrapper(losses.mean_squared_error,
                                       name="my_mse")
    expected = keras_ref.metrics.MeanMetricWrapper(
        keras_ref.losses.mean_squared_error, name="my_mse").get_config()
    assert metric.get_config() == expected
    clone = metrics.MeanMetricWrapper.from_config(metric.get_config())
    assert clone._fn is losses.mean_squared_error
    assert clone._direction == "down"
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert rebuilt.get_config() == metric.get_config()
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy,
                                        threshold=0.3)
    clone = metrics.MeanMetricWrapper.from_config(wrapper.get_config())
    assert clone._fn is metrics.binary_accuracy
    assert clone._fn_kwargs == {"threshold": 0.3}


def test_mask_on_predictions_weights_values(keras_ref):
    y_true = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "float32")
    y_pred = torch.tensor([[1.5, 2.0], [3.0, 5.0], [0.0, 0.0]])
    y_pred._keras_mask = torch.tensor([True, True, False])
    metric = metrics.MeanSquaredError()
    metric.update_state(y_true, y_pred)
    # The masked third row contributes neither value nor count.
    expected = (0.125 + 0.5) / 2
    assert float(metric.result()) == pytest.approx(expected)


def test_invalid_fn():
    with pytest.raises(ValueError, match="Expected a callable"):
        metrics.MeanMetricWrapper("not a function")
