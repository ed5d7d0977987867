"""`keras.losses`: loss classes, loss functions, and their look-up.

Functions (`mean_squared_error(y_true, y_pred)`, ...) return per-sample
losses, reduced over the last axis; classes (`MeanSquaredError()`, ...) also
apply sample weights, masks and a reduction. `get` resolves Keras's string
names and aliases, configs, classes, instances, callables and torch loss
modules.
"""

from lamina.losses._registry import LOSSES
from lamina.losses.circle import Circle
from lamina.losses.circle import circle
from lamina.losses.crossentropy import BinaryCrossentropy
from lamina.losses.crossentropy import CategoricalCrossentropy
from lamina.losses.crossentropy import SparseCategoricalCrossentropy
from lamina.losses.crossentropy import binary_crossentropy
from lamina.losses.crossentropy import categorical_crossentropy
from lamina.losses.crossentropy import sparse_categorical_crossentropy
from lamina.losses.ctc import CTC
from lamina.losses.ctc import ctc
from lamina.losses.focal import BinaryFocalCrossentropy
from lamina.losses.focal import CategoricalFocalCrossentropy
from lamina.losses.focal import binary_focal_crossentropy
from lamina.losses.focal import categorical_focal_crossentropy
from lamina.losses.generalized_crossentropy import (
    CategoricalGeneralizedCrossEntropy,
)
from lamina.losses.generalized_crossentropy import (
    categorical_generalized_cross_entropy,
)
from lamina.losses.hinge import CategoricalHinge
from lamina.losses.hinge import Hinge
from lamina.losses.hinge import SquaredHinge
from lamina.losses.hinge import categorical_hinge
from lamina.losses.hinge import hinge
from lamina.losses.hinge import squared_hinge
from lamina.losses.loss import Loss
from lamina.losses.loss_function_wrapper import LossFunctionWrapper
from lamina.losses.probabilistic import KLDivergence
from lamina.losses.probabilistic import Poisson
from lamina.losses.probabilistic import kl_divergence
from lamina.losses.probabilistic import poisson
from lamina.losses.regression import CosineSimilarity
from lamina.losses.regression import Huber
from lamina.losses.regression import LogCosh
from lamina.losses.regression import MeanAbsoluteError
from lamina.losses.regression import MeanAbsolutePercentageError
from lamina.losses.regression import MeanSquaredError
from lamina.losses.regression import MeanSquaredLogarithmicError
from lamina.losses.regression import cosine_similarity
from lamina.losses.regression import huber
from lamina.losses.regression import log_cosh
from lamina.losses.regression import mean_absolute_error
from lamina.losses.regression import mean_absolute_percentage_error
from lamina.losses.regression import mean_squared_error
from lamina.losses.regression import mean_squared_logarithmic_error
from lamina.losses.segmentation import Dice
from lamina.losses.segmentation import Tversky
from lamina.losses.segmentation import dice
from lamina.losses.segmentation import tversky
from lamina.losses.torch_loss import is_torch_loss
from lamina.losses.torch_loss import wrap_torch_loss
from lamina.saving import serialization


def serialize(loss):
    """Returns the config of a `Loss` instance or the name of a loss function.

    Args:
        loss: A `Loss` instance, a loss class or a loss function.
    """
    return serialization.serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    """Rebuilds a loss from `serialize`'s output (a config dict or a name).

    Args:
        config: A config dict or a string name.
        custom_objects: Optional dict of names to custom classes/functions.
    """
    return serialization.deserialize_keras_object(
        config, module_objects=LOSSES.objects(), custom_objects=custom_objects
    )


def get(identifier):
    """Resolves a loss identifier into a loss function or `Loss` instance.

    Args:
        identifier: None; a string name or alias (`"mse"`,
            `"CategoricalCrossentropy"`, ...); a config dict; a `Loss` class
            (instantiated with defaults) or instance; a callable
            `fn(y_true, y_pred)`; or a torch loss module, class or instance
            (e.g. `torch.nn.CrossEntropyLoss`), adapted by `wrap_torch_loss`
            to Keras's `(y_true, y_pred)` order.

    Returns:
        A loss function or a `Loss` instance, or None for None.

    Example:

    >>> get("mse") is mean_squared_error
    True
    >>> type(get("CategoricalCrossentropy")).__name__
    'CategoricalCrossentropy'
    """
    return LOSSES.get(identifier)


def _torch_loss_or_none(identifier):
    if not isinstance(identifier, Loss) and is_torch_loss(identifier):
        return wrap_torch_loss(identifier)
    return None


LOSSES.configure(adapter=_torch_loss_or_none)

__all__ = [
    "Loss", "LossFunctionWrapper",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC",
    "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "Circle",
    "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy",
    "SquaredHinge", "Tversky",
    "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle",
    "cosine_similarity", "ctc", "dice", "hinge", "huber", "kl_divergence",
    "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge", "tversky",
    "deserialize", "get", "serialize", "wrap_torch_loss",
]
