"""An RNN on an input that is not (batch, timesteps, features) says so."""

import numpy as np
import pytest

import lamina as keras


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_rank2_symbolic_input(cls):
    layer = getattr(keras.layers, cls)(3)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(keras.Input((4,)))


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_rank2_eager_input(cls):
    layer = getattr(keras.layers, cls)(3)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(np.zeros((2, 4), "float32"))


def test_base_rnn_with_a_cell_on_rank2_input():
    layer = keras.layers.RNN(keras.layers.SimpleRNNCell(3))
    with pytest.raises(ValueError, match="expected min_ndim=3, found ndim=2"):
        layer(keras.Input((4,)))
