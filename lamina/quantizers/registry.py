"""The quantizer family's registry: quantizers and quantization configs,
under their class names and snake_case names, and `get` / `serialize` /
`deserialize`."""

from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.quantizers.abs_max import Quantizer
from lamina.quantizers.quantization_config import Float8QuantizationConfig
from lamina.quantizers.quantization_config import Int4QuantizationConfig
from lamina.quantizers.quantization_config import Int8QuantizationConfig
from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.saving import registry
from lamina.saving import serialization
from lamina.utils.naming import to_snake_case

REGISTRY = registry.Registry("quantizer", "keras.quantizers")


def register(cls):
    """Registers a quantizer or config class under its name and its
    snake_case name (GPTQConfig and AWQConfig register this way)."""
    REGISTRY.register(to_snake_case(cls.__name__))(cls)
    return cls


for _cls in (Quantizer, AbsMaxQuantizer, QuantizationConfig,
             Int8QuantizationConfig, Int4QuantizationConfig,
             Float8QuantizationConfig):
    register(_cls)


def get(identifier, **kwargs):
    """A quantizer or config from a name (instantiated with `kwargs`), a
    config dict, a class or an instance; None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = REGISTRY.lookup(identifier)
        return cls(**kwargs)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier(**kwargs)
    if callable(identifier) or isinstance(identifier, QuantizationConfig):
        return identifier
    raise ValueError(
        f"Could not interpret quantizer identifier: {identifier!r}. Expected "
        "a name, a config dict, a class or an instance.")


def serialize(quantizer):
    """The Keras config dict of a quantizer or quantization config."""
    return serialization.serialize_keras_object(quantizer)


def deserialize(config, custom_objects=None):
    """A quantizer or config from its config dict."""
    return REGISTRY.deserialize(config, custom_objects)
