"""`lamina.layers`: every layer, by family, plus serialize/deserialize."""

from lamina.layers.core.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.masking import Masking
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import LAYERS
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping.flatten import Flatten
from lamina.layers.reshaping.permute import Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector
from lamina.layers.reshaping.reshape import Reshape


def serialize(layer):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    return LAYERS.get(identifier)
