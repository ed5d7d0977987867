"""Keras 2's `keras.layers.wrappers` module path."""

from lamina.layers.rnn.bidirectional import Bidirectional  # noqa: F401
from lamina.layers.rnn.time_distributed import TimeDistributed  # noqa: F401
