import pytest
import torch

import lamina.metrics as metrics


@pytest.mark.parametrize("y_true_shape,y_pred_shape,class_name", [
    ((8, 1), (8, 1), "BinaryAccuracy"),
    ((8,), (8, 1), "BinaryAccuracy"),
    ((8,), (8, 5), "SparseCategoricalAccuracy"),
    ((8, 1), (8, 5), "SparseCategoricalAccuracy"),
    ((8, 10), (8, 10, 5), "SparseCategoricalAccuracy"),
    ((8, 5), (8, 5), "CategoricalAccuracy"),
])
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_resolution_matches_keras(y_true_shape, y_pred_shape,
                                           class_name, name):
    # The classes are those Keras 3.15's compile picks for these shapes
    # (its resolver is private, so they are written in the table above);
    # the metric keeps the name the user wrote.
    metric = metrics.get_accuracy_metric_for_shapes(y_true_shape,
                                                    y_pred_shape, name)
    assert type(metric).__name__ == class_name
    assert metric.name == name
    from_tensors = metrics.get_metric_for_shapes(
        name, torch.zeros(y_true_shape), torch.zeros(y_pred_shape))
    assert type(from_tensors).__name__ == class_name


@pytest.mark.parametrize("y_true_shape,y_pred_shape,fn_name", [
    ((8, 1), (8, 1), "binary_crossentropy"),
    ((8,), (8, 5), "sparse_categorical_crossentropy"),
    ((8, 5), (8, 5), "categorical_crossentropy"),
])
def test_crossentropy_resolution(y_true_shape, y_pred_shape, fn_name):
    from lamina import losses

    fn = metrics.get_crossentropy_for_shapes(y_true_shape, y_pred_shape)
    assert fn is getattr(losses, fn_name)


def test_get_metric_for_shapes_names_and_wrapping():
    metric = metrics.get_metric_for_shapes("mse", (4, 1), (4, 1))
    assert isinstance(metric, metrics.MeanSquaredError)
    assert metric.name == "mse"

    def my_error(y_true, y_pred):
        return torch.abs(y_true - y_pred)

    wrapped = metrics.get_metric_for_shapes(my_error, (4, 1), (4, 1))
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    assert wrapped.name == "my_error"
    auc = metrics.AUC(name="roc")
    assert metrics.get_metric_for_shapes(auc, (4, 1), (4, 1)) is auc
    assert auc.name == "roc"
    with pytest.raises(ValueError, match="Expected a metric"):
        metrics.get_metric_for_shapes(None, (4, 1), (4, 1))
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.get_metric_for_shapes("accuracyy", (4, 1), (4, 1))
