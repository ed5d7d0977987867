"""The activation registry and `get` / `serialize` / `deserialize`.

Activations are plain functions, so the registry hands functions back as they
are (there are no classes to instantiate). Built-ins serialize to their bare
name (`"relu"`), as Keras writes them in layer configs.
"""

import types

import torch
import torch.nn.functional as F

from lamina.saving import registry
from lamina.saving import serialization

REGISTRY = registry.Registry(
    "activation", "keras.activations", instantiate_classes=False
)

# Torch functions that compute exactly a Keras activation with its defaults,
# so a model built with, say, `activation=torch.tanh` saves as "tanh".
_TORCH_EQUIVALENTS = {
    torch.relu: "relu", F.relu: "relu", torch.sigmoid: "sigmoid",
    F.sigmoid: "sigmoid", torch.tanh: "tanh", F.tanh: "tanh",
    torch.exp: "exponential", F.gelu: "gelu", F.silu: "silu",
    F.elu: "elu", F.selu: "selu", torch.selu: "selu", F.celu: "celu",
    F.relu6: "relu6", F.softplus: "softplus", F.softsign: "softsign",
    F.mish: "mish", F.hardswish: "hard_silu", F.hardsigmoid: "hard_sigmoid",
    F.hardtanh: "hard_tanh", F.logsigmoid: "log_sigmoid",
    F.tanhshrink: "tanh_shrink", F.softshrink: "soft_shrink",
    F.hardshrink: "hard_shrink", F.glu: "glu",
}
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType)


def get(identifier):
    """Returns the activation function for `identifier`.

    Args:
        identifier: `None` (the identity, `linear`), a name such as `"relu"`,
            a serialized config dict, or any callable (returned as is).

    Returns:
        A callable.

    Raises:
        ValueError: for an unknown name or an identifier that is not callable.
    """
    return REGISTRY.get("linear" if identifier is None else identifier)


def serialize(activation):
    """Returns a JSON-able config: a bare name for built-in activations."""
    if isinstance(activation, _FUNCTION_TYPES) and \
            activation in _TORCH_EQUIVALENTS:
        return _TORCH_EQUIVALENTS[activation]
    if isinstance(activation, types.FunctionType):
        name = activation.__name__
        if REGISTRY.objects().get(name) is activation:
            return name
        if activation.__module__.startswith("torch"):
            raise ValueError(
                f"Cannot serialize the torch function {name!r}: it has no "
                "exact Keras equivalent. Use a `lamina.activations` function "
                "or register your own with `register_keras_serializable`."
            )
    elif not hasattr(activation, "get_config"):
        raise ValueError(
            f"Cannot serialize activation {activation!r}: expected a "
            "function or an object with `get_config()`. Register custom "
            "activations with `lamina.saving.register_keras_serializable()`."
        )
    return serialization.serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    """Returns the activation function described by `config`."""
    if isinstance(config, str):
        return REGISTRY.lookup(config, custom_objects)
    return REGISTRY.deserialize(config, custom_objects)
