import inspect

import pytest
import torch

import lamina.metrics as metrics


def _keras_public_classes(keras):
    return {name for name in dir(keras.metrics)
            if inspect.isclass(getattr(keras.metrics, name))}


def test_every_keras_metric_class_exists_with_same_signature(keras_ref):
    for name in _keras_public_classes(keras_ref):
        ours = getattr(metrics, name)
        theirs = getattr(keras_ref.metrics, name)
        if name == "Metric":
            continue
        assert str(inspect.signature(ours.__init__)) == \
            str(inspect.signature(theirs.__init__)), name


def test_keras_functions_exist(keras_ref):
    for name in dir(keras_ref.metrics):
        obj = getattr(keras_ref.metrics, name)
        if inspect.isfunction(obj):
            assert callable(getattr(metrics, name)), name


# Keras 3.15's metric registry, name -> class name. Keras keeps it in
# private code, so it is written down here.
KERAS_NAMES = {
    "AUC": "AUC", "Accuracy": "Accuracy", "BCE": "BinaryCrossentropy",
    "BinaryAccuracy": "BinaryAccuracy",
    "BinaryCrossentropy": "BinaryCrossentropy", "BinaryIoU": "BinaryIoU",
    "CategoricalAccuracy": "CategoricalAccuracy",
    "CategoricalCrossentropy": "CategoricalCrossentropy",
    "CategoricalHinge": "CategoricalHinge",
    "ConcordanceCorrelation": "ConcordanceCorrelation",
    "CosineSimilarity": "CosineSimilarity", "F1Score": "F1Score",
    "FBetaScore": "FBetaScore", "FalseNegatives": "FalseNegatives",
    "FalsePositives": "FalsePositives", "Hinge": "Hinge", "IoU": "IoU",
    "KLDivergence": "KLDivergence", "LogCoshError": "LogCoshError",
    "MAE": "MeanAbsoluteError", "MAPE": "MeanAbsolutePercentageError",
    "MSE": "MeanSquaredError", "MSLE": "MeanSquaredLogarithmicError",
    "Mean": "Mean", "MeanAbsoluteError": "MeanAbsoluteError",
    "MeanAbsolutePercentageError": "MeanAbsolutePercentageError",
    "MeanIoU": "MeanIoU", "MeanMetricWrapper": "MeanMetricWrapper",
    "MeanSquaredError": "MeanSquaredError",
    "MeanSquaredLogarithmicError": "MeanSquaredLogarithmicError",
    "Metric": "Metric", "OneHotIoU": "OneHotIoU",
    "OneHotMeanIoU": "OneHotMeanIoU",
    "PearsonCorrelation": "PearsonCorrelation", "Poisson": "Poisson",
    "Precision": "Precision", "PrecisionAtRecall": "PrecisionAtRecall",
    "R2Score": "R2Score", "Recall": "Recall",
    "RecallAtPrecision": "RecallAtPrecision",
    "RootMeanSquaredError": "RootMeanSquaredError",
    "SensitivityAtSpecificity": "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy": "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy": "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy": "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity": "SpecificityAtSensitivity",
    "SquaredHinge": "SquaredHinge", "Sum": "Sum",
    "TopKCategoricalAccuracy": "TopKCategoricalAccuracy",
    "TrueNegatives": "TrueNegatives", "TruePositives": "TruePositives",
    "accuracy": "Accuracy", "auc": "AUC", "bce": "BinaryCrossentropy",
    "binary_accuracy": "BinaryAccuracy",
    "binary_crossentropy": "BinaryCrossentropy", "binary_io_u": "BinaryIoU",
    "categorical_accuracy": "CategoricalAccuracy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_hinge": "CategoricalHinge",
    "concordance_correlation": "ConcordanceCorrelation",
    "cosine_similarity": "CosineSimilarity", "f1_score": "F1Score",
    "f_beta_score": "FBetaScore", "false_negatives": "FalseNegatives",
    "false_positives": "FalsePositives", "hinge": "Hinge", "io_u": "IoU",
    "kl_divergence": "KLDivergence", "log_cosh_error": "LogCoshError",
    "mae": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
    "mean": "Mean", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_io_u": "MeanIoU", "mean_metric_wrapper": "MeanMetricWrapper",
    "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "metric": "Metric", "mse": "MeanSquaredError",
    "msle": "MeanSquaredLogarithmicError", "one_hot_io_u": "OneHotIoU",
    "one_hot_mean_io_u": "OneHotMeanIoU",
    "pearson_correlation": "PearsonCorrelation", "poisson": "Poisson",
    "precision": "Precision", "precision_at_recall": "PrecisionAtRecall",
    "r2_score": "R2Score", "recall": "Recall",
    "recall_at_precision": "RecallAtPrecision",
    "root_mean_squared_error": "RootMeanSquaredError",
    "sensitivity_at_specificity": "SensitivityAtSpecificity",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "specificity_at_sensitivity": "SpecificityAtSensitivity",
    "squared_hinge": "SquaredHinge", "sum": "Sum",
    "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "true_negatives": "TrueNegatives", "true_positives": "TruePositives",
}


def test_string_lookup_matches_keras():
    assert set(metrics.METRICS.names()) == set(KERAS_NAMES)
    for name, class_name in KERAS_NAMES.items():
        assert metrics.METRICS.lookup(name).__name__ == class_name, name


@pytest.mark.parametrize("identifier,class_name", [
    ("mse", "MeanSquaredError"), ("MSE", "MeanSquaredError"),
    ("mae", "MeanAbsoluteError"), ("MAPE", "MeanAbsolutePercentageError"),
    ("msle", "MeanSquaredLogarithmicError"), ("bce", "BinaryCrossentropy"),
    ("BCE", "BinaryCrossentropy"), ("accuracy", "Accuracy"),
    ("AUC", "AUC"), ("auc", "AUC"), ("f1_score", "F1Score"),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy"),
    ("RootMeanSquaredError", "RootMeanSquaredError"),
])
def test_get_by_name(identifier, class_name):
    metric = metrics.get(identifier)
    assert type(metric).__name__ == class_name


def test_get_other_identifiers():
    assert metrics.get(None) is None
    instance = metrics.Mean()
    assert metrics.get(instance) is instance
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    config = metrics.serialize(metrics.Precision(thresholds=0.3, name="p"))
    assert metrics.get(config).get_config()["thresholds"] == 0.3


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown metric: 'nope'.*'AUC'"):
        metrics.get("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(42)


def test_serialize_matches_keras(keras_ref):
    for cls, kwargs in [(
        "Precision", {"thresholds": [0.2, 0.5], "name": "p"}),
        ("MeanIoU", {"num_classes": 3, "name": "miou"}),
        ("SparseCategoricalAccuracy", {"name": "acc"}),
    ]:
        ours = metrics.serialize(getattr(metrics, cls)(**kwargs))
        theirs = keras_ref.metrics.serialize(
            getattr(keras_ref.metrics, cls)(**kwargs))
        assert ours == theirs
        assert metrics.deserialize(theirs).get_config() == theirs["config"]


def test_custom_metric_deserialization():
    from lamina.saving import register_keras_serializable

    @register_keras_serializable(package="Tests")
    class Doubled(metrics.Mean):
        def update_state(self, values, sample_weight=None):
            super().update_state(values * 2, sample_weight)

    config = metrics.serialize(Doubled(name="doubled"))
    assert config["registered_name"] == "Tests>Doubled"
    rebuilt = metrics.deserialize(config)
    assert isinstance(rebuilt, Doubled)
    rebuilt.update_state(torch.tensor([2.0]))
    assert float(rebuilt.result()) == 4.0
