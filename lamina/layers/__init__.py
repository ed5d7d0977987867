"""`lamina.layers`: every layer, by family, plus serialize/deserialize."""

from lamina.layers.core.dense import Dense
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import LAYERS


def serialize(layer):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    return LAYERS.get(identifier)
