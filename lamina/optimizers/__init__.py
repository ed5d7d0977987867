"""`keras.optimizers`: optimizers, loss scaling, and `get`/`serialize`.

Strings resolve case-insensitively to the class names (`"adam"`, `"sgd"`,
`"rmsprop"`, `"adamw"`, ...); `torch.optim` optimizers, as classes or
instances, are accepted wherever a Keras optimizer is.
"""

import inspect

import torch

from lamina.optimizers import schedules
from lamina.optimizers.adadelta import Adadelta
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.adamax import Adamax
from lamina.optimizers.adamw import AdamW
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import serialize_optimizer
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.nadam import Nadam
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD
from lamina.optimizers.torch_optimizer import TorchOptimizer
from lamina.saving import object_registration
from lamina.saving import serialization

ALL_OBJECTS = (
    Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax,
    Adafactor, Nadam, Ftrl, Lion, Lamb, LossScaleOptimizer,
)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """Returns the optimizer's config in Keras's serialized format."""
    return serialize_optimizer(optimizer)


def deserialize(config, custom_objects=None):
    """Builds an optimizer from `serialize`'s output.

    Built-in class names are matched case-insensitively, as in Keras.
    """
    config = dict(config)
    class_name = config.get("class_name")
    if isinstance(class_name, str) and class_name.lower() in ALL_OBJECTS_DICT:
        config["class_name"] = class_name.lower()
        # Keras 3 writes e.g. registered_name "Adam" for built-ins.
        if config.get("registered_name") in (None, class_name):
            config["registered_name"] = class_name.lower()
    return serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _is_torch_optimizer(identifier):
    if isinstance(identifier, torch.optim.Optimizer):
        return True
    return inspect.isclass(identifier) and issubclass(
        identifier, torch.optim.Optimizer
    )


def get(identifier):
    """Returns an optimizer instance from `identifier`.

    Args:
        identifier: An optimizer instance (returned as is), a name such as
            `"adam"`, a config dict, an optimizer class, or a
            `torch.optim.Optimizer` class or instance (wrapped in a
            `TorchOptimizer`).
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if _is_torch_optimizer(identifier):
        return TorchOptimizer(identifier)
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        if identifier.lower() not in ALL_OBJECTS_DICT and (
            object_registration.get_registered_object(identifier) is None
        ):
            raise ValueError(
                f"Unknown optimizer: '{identifier}'. Expected one of "
                f"{sorted(n for n in ALL_OBJECTS_DICT if n != 'optimizer')} "
                "(case-insensitive), or a name registered with "
                "`register_keras_serializable`."
            )
        obj = deserialize({"class_name": identifier, "config": {}})
    elif inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        obj = identifier()
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected "
        "an optimizer name, a config dict, an `Optimizer` instance, or a "
        "`torch.optim.Optimizer` class or instance."
    )
