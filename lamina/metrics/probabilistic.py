"""Probabilistic and hinge metrics: means of per-sample loss functions."""

from lamina.metrics.base import METRICS
from lamina.metrics.regression import _LossMean
from lamina.metrics.regression import _loss_function
from lamina.metrics.reduction import MeanMetricWrapper


@METRICS.register("kl_divergence")
class KLDivergence(_LossMean):
    """Mean Kullback-Leibler divergence `y_true * log(y_true / y_pred)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "kl_divergence"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("poisson")
class Poisson(_LossMean):
    """Mean Poisson deviance `y_pred - y_true * log(y_pred)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "poisson"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy between labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        from_logits: Whether `y_pred` holds logits instead of probabilities.
        label_smoothing: Float in [0, 1]; labels are smoothed towards 0.5.
    """

    def __init__(self, name="binary_crossentropy", dtype=None,
                 from_logits=False, label_smoothing=0):
        super().__init__(_loss_function("binary_crossentropy"), name,
                         dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


@METRICS.register("categorical_crossentropy")
class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy between one-hot labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        from_logits: Whether `y_pred` holds logits instead of probabilities.
        label_smoothing: Float in [0, 1]; labels are smoothed towards
            uniform.
        axis: The class axis.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None,
                 from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(_loss_function("categorical_crossentropy"), name,
                         dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


@METRICS.register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy between integer labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
        from_logits: Whether `y_pred` holds logits instead of probabilities.
        ignore_class: A label value that contributes nothing.
        axis: The class axis.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None,
                 from_logits=False, ignore_class=None, axis=-1):
        super().__init__(_loss_function("sparse_categorical_crossentropy"),
                         name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


@METRICS.register("hinge")
class Hinge(_LossMean):
    """Mean hinge loss `max(1 - y_true * y_pred, 0)` (labels in {-1, 1} or
    {0, 1}).

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "hinge"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("squared_hinge")
class SquaredHinge(_LossMean):
    """Mean squared hinge loss `max(1 - y_true * y_pred, 0) ** 2`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "squared_hinge"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


@METRICS.register("categorical_hinge")
class CategoricalHinge(_LossMean):
    """Mean categorical hinge loss `max(neg - pos + 1, 0)`.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the metric result.
    """

    _loss_name = "categorical_hinge"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)
