"""Bad input fails early with a message naming what was expected."""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import RNN
from lamina.layers.rnn import Bidirectional
from lamina.layers.rnn import ConvLSTM2D
from lamina.layers.rnn import LSTMCell
from lamina.layers.rnn import SimpleRNN
from lamina.layers.rnn import TimeDistributed

X = np.zeros((3, 5, 4), "float32")


def test_initial_state_count():
    with pytest.raises(ValueError, match="expects 2 initial state"):
        LSTM(2)(X, initial_state=[np.zeros((3, 2), "float32")])
    with pytest.raises(ValueError, match="even count"):
        Bidirectional(GRU(2))(X, initial_state=[np.zeros((3, 2), "float32")]
                              * 3)


def test_initial_state_shape():
    with pytest.raises(ValueError, match=r"initial_state\[1\] must have "
                                         r"shape \(3, 2\)"):
        LSTM(2)(X, initial_state=[torch.zeros(3, 2), torch.zeros(3, 5)])
    with pytest.raises(ValueError, match="must have shape"):
        GRU(2)(X, initial_state=torch.zeros(4, 2))


def test_mask_shape():
    with pytest.raises(ValueError, match=r"mask` of shape \(batch, "
                                         r"timesteps\) = \(3, 5\)"):
        LSTM(2)(X, mask=np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="mask"):
        TimeDistributed(lamina.layers.Dense(2))(X, mask=np.ones((2, 5), bool))


def test_stateful_needs_a_fixed_batch_size():
    with pytest.raises(ValueError, match="batch size must be fixed"):
        LSTM(2, stateful=True)(lamina.Input((5, 4)))
    layer = GRU(2, stateful=True)
    layer(X)
    with pytest.raises(ValueError, match="batch size of 3"):
        layer(np.zeros((4, 5, 4), "float32"))


def test_bidirectional_needs_a_recurrent_layer():
    with pytest.raises(ValueError, match="must be a recurrent layer"):
        Bidirectional(lamina.layers.Dense(3))
    with pytest.raises(ValueError, match="must be a recurrent layer"):
        Bidirectional("lstm")
    with pytest.raises(ValueError, match="backward_layer"):
        Bidirectional(LSTM(2), backward_layer=lamina.layers.Dense(2))
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match="same `return_sequences`"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2, go_backwards=True,
                                                   return_sequences=True))


def test_invalid_merge_mode():
    with pytest.raises(ValueError, match="merge_mode.*Received: "
                                         "merge_mode='max'"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_time_distributed_needs_rank_3():
    with pytest.raises(ValueError, match="rank 3 or more"):
        TimeDistributed(lamina.layers.Dense(2))(np.zeros((3, 4), "float32"))
    with pytest.raises(ValueError, match="rank 3 or more"):
        TimeDistributed(lamina.layers.Dense(2))(lamina.Input((4,)))
    with pytest.raises(ValueError, match="must be a layer instance"):
        TimeDistributed("dense")


def test_invalid_constructor_arguments():
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="units"):
        GRU("8")
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="state_size"):
        RNN(lamina.layers.Dense(2))
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())
    with pytest.raises(ValueError, match="dilation_rate"):
        ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        ConvLSTM2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        ConvLSTM2D(2, (3, 3, 3))


def test_shape_errors_after_build():
    layer = SimpleRNN(2)
    layer(X)
    with pytest.raises(ValueError, match="expected axis -1"):
        layer(np.zeros((3, 5, 6), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        LSTM(2)(np.zeros((3, 4), "float32"))
    with pytest.raises(ValueError, match="cannot unroll"):
        LSTM(2, unroll=True)(lamina.Input((None, 4)))
    with pytest.raises(ValueError, match="static spatial"):
        ConvLSTM2D(2, 3)(lamina.Input((3, None, 5, 1)))
    with pytest.raises(ValueError, match="min_ndim=3"):
        RNN(LSTMCell(2))(np.zeros((3, 4), "float32"))
