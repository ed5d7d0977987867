"""Recurrent layers: RNN cells, the RNN driver and its wrappers."""

from lamina.layers.rnn.bidirectional import Bidirectional
from lamina.layers.rnn.conv_lstm1d import ConvLSTM1D
from lamina.layers.rnn.conv_lstm2d import ConvLSTM2D
from lamina.layers.rnn.conv_lstm3d import ConvLSTM3D
from lamina.layers.rnn.gru import GRU
from lamina.layers.rnn.gru_cell import GRUCell
from lamina.layers.rnn.lstm import LSTM
from lamina.layers.rnn.lstm_cell import LSTMCell
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import SimpleRNN
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.time_distributed import TimeDistributed

__all__ = [
    "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GRU",
    "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
    "StackedRNNCells", "TimeDistributed",
]
