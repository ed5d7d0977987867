"""`keras.metrics`: stateful metrics, their functions, and look-up by name."""

from lamina.metrics.accuracy import Accuracy as Accuracy
from lamina.metrics.accuracy import BinaryAccuracy as BinaryAccuracy
from lamina.metrics.accuracy import CategoricalAccuracy as CategoricalAccuracy
from lamina.metrics.accuracy import \
    SparseCategoricalAccuracy as SparseCategoricalAccuracy
from lamina.metrics.accuracy import \
    SparseTopKCategoricalAccuracy as SparseTopKCategoricalAccuracy
from lamina.metrics.accuracy import \
    TopKCategoricalAccuracy as TopKCategoricalAccuracy
from lamina.metrics.accuracy import binary_accuracy as binary_accuracy
from lamina.metrics.accuracy import categorical_accuracy as categorical_accuracy
from lamina.metrics.accuracy import \
    sparse_categorical_accuracy as sparse_categorical_accuracy
from lamina.metrics.accuracy import \
    sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy
from lamina.metrics.accuracy import \
    top_k_categorical_accuracy as top_k_categorical_accuracy
from lamina.metrics.auc import AUC as AUC
from lamina.metrics.base import METRICS as METRICS
from lamina.metrics.base import Metric as Metric
from lamina.metrics.confusion import FalseNegatives as FalseNegatives
from lamina.metrics.confusion import FalsePositives as FalsePositives
from lamina.metrics.confusion import Precision as Precision
from lamina.metrics.confusion import PrecisionAtRecall as PrecisionAtRecall
from lamina.metrics.confusion import Recall as Recall
from lamina.metrics.confusion import RecallAtPrecision as RecallAtPrecision
from lamina.metrics.confusion import \
    SensitivityAtSpecificity as SensitivityAtSpecificity
from lamina.metrics.confusion import \
    SpecificityAtSensitivity as SpecificityAtSensitivity
from lamina.metrics.confusion import TrueNegatives as TrueNegatives
from lamina.metrics.confusion import TruePositives as TruePositives
from lamina.metrics.correlation import \
    ConcordanceCorrelation as ConcordanceCorrelation
from lamina.metrics.correlation import PearsonCorrelation as PearsonCorrelation
from lamina.metrics.correlation import \
    concordance_correlation as concordance_correlation
from lamina.metrics.correlation import \
    pearson_correlation as pearson_correlation
from lamina.metrics.f_score import F1Score as F1Score
from lamina.metrics.f_score import FBetaScore as FBetaScore
from lamina.metrics.iou import BinaryIoU as BinaryIoU
from lamina.metrics.iou import IoU as IoU
from lamina.metrics.iou import MeanIoU as MeanIoU
from lamina.metrics.iou import OneHotIoU as OneHotIoU
from lamina.metrics.iou import OneHotMeanIoU as OneHotMeanIoU
from lamina.metrics.probabilistic import \
    BinaryCrossentropy as BinaryCrossentropy
from lamina.metrics.probabilistic import \
    CategoricalCrossentropy as CategoricalCrossentropy
from lamina.metrics.probabilistic import CategoricalHinge as CategoricalHinge
from lamina.metrics.probabilistic import Hinge as Hinge
from lamina.metrics.probabilistic import KLDivergence as KLDivergence
from lamina.metrics.probabilistic import Poisson as Poisson
from lamina.metrics.probabilistic import \
    SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from lamina.metrics.probabilistic import SquaredHinge as SquaredHinge
from lamina.metrics.reduction import Mean as Mean
from lamina.metrics.reduction import MeanMetricWrapper as MeanMetricWrapper
from lamina.metrics.reduction import Sum as Sum
from lamina.metrics.regression import CosineSimilarity as CosineSimilarity
from lamina.metrics.regression import LogCoshError as LogCoshError
from lamina.metrics.regression import MeanAbsoluteError as MeanAbsoluteError
from lamina.metrics.regression import \
    MeanAbsolutePercentageError as MeanAbsolutePercentageError
from lamina.metrics.regression import MeanSquaredError as MeanSquaredError
from lamina.metrics.regression import \
    MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from lamina.metrics.regression import R2Score as R2Score
from lamina.metrics.regression import \
    RootMeanSquaredError as RootMeanSquaredError
from lamina.metrics.shape_resolution import \
    get_accuracy_metric_for_shapes as get_accuracy_metric_for_shapes
from lamina.metrics.shape_resolution import \
    get_crossentropy_for_shapes as get_crossentropy_for_shapes
from lamina.metrics.shape_resolution import \
    get_metric_for_shapes as get_metric_for_shapes
from lamina.metrics.shape_resolution import \
    is_binary_or_sparse_categorical as is_binary_or_sparse_categorical
from lamina.saving import serialization as _serialization

# `keras.metrics` re-exports these per-sample loss functions; they are
# defined once, in `lamina.losses`, and fetched from there on first use.
_LOSS_FUNCTIONS = (
    "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge",
)


def __getattr__(name):
    if name in _LOSS_FUNCTIONS:
        from lamina import losses

        return getattr(losses, name)
    raise AttributeError(f"module 'lamina.metrics' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LOSS_FUNCTIONS))


def serialize(metric):
    """Returns the Keras config dict of a metric (or function)."""
    return _serialization.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Builds a metric from `serialize`'s output."""
    return METRICS.deserialize(config, custom_objects=custom_objects)


def get(identifier):
    """Resolves a metric from a name, config dict, class, instance or callable.

    Names are class names, their snake-case forms, and `"mse"`, `"mae"`,
    `"mape"`, `"msle"`, `"bce"` (also upper case). Classes are instantiated
    with their defaults; instances and callables are returned as they are.
    """
    return METRICS.get(identifier)


__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU",
    "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore",
    "FalseNegatives", "FalsePositives", "Hinge", "IoU", "KLDivergence",
    "LogCoshError", "Mean", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanIoU", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "OneHotIoU",
    "OneHotMeanIoU", "PearsonCorrelation", "Poisson", "Precision",
    "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision",
    "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
    "SquaredHinge", "Sum", "TopKCategoricalAccuracy", "TrueNegatives",
    "TruePositives", "binary_accuracy", "categorical_accuracy",
    "concordance_correlation", "deserialize", "get",
    "get_accuracy_metric_for_shapes", "get_crossentropy_for_shapes",
    "get_metric_for_shapes", "is_binary_or_sparse_categorical",
    "pearson_correlation", "serialize",
    "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
