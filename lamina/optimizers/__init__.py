"""`keras.optimizers`: optimizers, loss scaling, and `get`/`serialize`.

Strings resolve case-insensitively to the class names (`"adam"`, `"sgd"`,
`"rmsprop"`, `"adamw"`, ...); `torch.optim` optimizers, as classes or
instances, are accepted wherever a Keras optimizer is.
"""

import inspect

import torch

from lamina.optimizers import legacy  # noqa: F401
from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.base_optimizer import OPTIMIZERS
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import serialize_optimizer
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.muon import Muon
from lamina.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from lamina.optimizers.sgd import SGD
from lamina.optimizers.torch_optimizer import TorchOptimizer


def serialize(optimizer):
    """Returns the optimizer's config in Keras's serialized format."""
    return serialize_optimizer(optimizer)


def deserialize(config, custom_objects=None):
    """Builds an optimizer from `serialize`'s output.

    Built-in class names are matched case-insensitively, as in Keras.
    """
    return OPTIMIZERS.deserialize(config, custom_objects=custom_objects)


def _torch_optimizer_or_none(identifier):
    """A `torch.optim.Optimizer` class or instance, wrapped."""
    if isinstance(identifier, torch.optim.Optimizer) or (
            inspect.isclass(identifier)
            and issubclass(identifier, torch.optim.Optimizer)):
        return TorchOptimizer(identifier)
    return None


OPTIMIZERS.configure(adapter=_torch_optimizer_or_none, base_class=Optimizer,
                     ignore_case=True)


def get(identifier):
    """Returns an optimizer instance from `identifier`.

    Args:
        identifier: An optimizer instance (returned as is), a name such as
            `"adam"` (case-insensitive), a config dict, an optimizer class,
            or a `torch.optim.Optimizer` class or instance (wrapped in a
            `TorchOptimizer`).
    """
    return OPTIMIZERS.get(identifier)
