"""Keras 2's `keras.layers.recurrent` module path."""

from lamina.layers.rnn.gru import GRU  # noqa: F401
from lamina.layers.rnn.gru_cell import GRUCell  # noqa: F401
from lamina.layers.rnn.lstm import LSTM  # noqa: F401
from lamina.layers.rnn.lstm_cell import LSTMCell  # noqa: F401
from lamina.layers.rnn.rnn import RNN  # noqa: F401
from lamina.layers.rnn.simple_rnn import SimpleRNN  # noqa: F401
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell  # noqa: F401
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells  # noqa: F401
