"""Core layers; also Keras 2's `keras.layers.core` module path."""

from lamina.layers.core.activation import Activation as Activation
from lamina.layers.core.dense import Dense as Dense
from lamina.layers.core.embedding import Embedding as Embedding
from lamina.layers.core.reversible_embedding import (
    ReversibleEmbedding as ReversibleEmbedding,
)
from lamina.layers.core.identity import Identity as Identity
from lamina.layers.core.lambda_layer import Lambda as Lambda
from lamina.layers.core.masking import Masking as Masking
from lamina.layers.regularization.dropout import Dropout as Dropout
from lamina.layers.reshaping.flatten import Flatten as Flatten
from lamina.layers.reshaping.permute import Permute as Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector as RepeatVector
from lamina.layers.reshaping.reshape import Reshape as Reshape
from lamina.layers.core.wrapper import Wrapper as Wrapper
