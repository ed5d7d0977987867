"""Keras's recurrent dropout: one mask per sequence (fixed across
timesteps), per gate when recurrent dropout is on, none in inference."""

import numpy as np
import pytest
import torch

from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import SimpleRNN

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


def _identity_rnn(activation, **kwargs):
    """SimpleRNN with kernel = I and no recurrence: output_t = x_t * mask."""
    layer = SimpleRNN(4, activation=activation, use_bias=False,
                      return_sequences=True, **kwargs)
    layer(torch.ones(2, 5, 4))
    layer.set_weights([np.eye(4, dtype="float32"),
                       np.zeros((4, 4), "float32")])
    return layer


@pytest.mark.parametrize("activation", ["linear", "relu"])  # loop / fused
def test_input_mask_is_fixed_across_timesteps(activation):
    layer = _identity_rnn(activation, dropout=0.5, seed=3)
    x = torch.rand(2, 5, 4) + 0.5
    ratio = (layer(x, training=True) / x).detach()
    assert set(np.round(ratio.unique().cpu().numpy(), 5)) <= {0.0, 2.0}
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio))
    torch.testing.assert_close(layer(x), x)  # inference: no dropout


def test_a_new_mask_per_call():
    layer = _identity_rnn("linear", dropout=0.5)
    x = torch.ones(8, 3, 4)
    masks = {tuple(layer(x, training=True)[:, 0].flatten().tolist())
             for _ in range(4)}
    assert len(masks) > 1


def test_recurrent_mask_is_fixed_across_timesteps():
    layer = SimpleRNN(4, activation="linear", use_bias=False,
                      return_sequences=True, recurrent_dropout=0.5, seed=1)
    layer(torch.ones(2, 3, 4))
    layer.set_weights([np.eye(4, dtype="float32")] * 2)
    h1, h2, h3 = layer(torch.ones(2, 3, 4), training=True).detach().unbind(1)
    mask = h2 - 1  # h2 = x + h1 * mask with h1 = x = 1
    assert set(np.round(mask.unique().cpu().numpy(), 5)) <= {0.0, 2.0}
    torch.testing.assert_close(h3, 1 + h2 * mask)


def test_per_gate_masks_with_recurrent_dropout():
    lstm = LSTM(3, dropout=0.2, recurrent_dropout=0.2)
    gru = GRU(3, recurrent_dropout=0.2)
    assert lstm.cell.dropout_mask_count == 4
    assert gru.cell.dropout_mask_count == 3
    assert not hasattr(LSTM(3, dropout=0.2).cell, "dropout_mask_count")
    masks = lstm.cell.get_dropout_mask(torch.ones(2, 5))
    assert len(masks) == 4 and masks[0].shape == (2, 5)
    lstm.cell.reset_dropout_mask()


@pytest.mark.parametrize("make", [
    lambda: LSTM(3, dropout=0.4, seed=5),  # fused
    lambda: LSTM(3, dropout=0.4, recurrent_dropout=0.3, seed=5),  # loop
    lambda: GRU(3, dropout=0.4, recurrent_dropout=0.3, reset_after=False,
                seed=5),
])
def test_training_with_dropout_is_seeded_and_differentiable(make):
    x = torch.randn(2, 6, 5)
    first, second = make(), make()
    second(x)
    first(x)
    second.set_weights(first.get_weights())
    a, b = first(x, training=True), second(x, training=True)
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, first(x))
    a.sum().backward()
    assert all(w.grad is not None for w in first.trainable_weights)
    # The RNN forgets the masks after each call.
    assert first.cell._dropout_mask is None
