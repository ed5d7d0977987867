"""The generic RNN over any cell: user cells as in the Keras guides,
StackedRNNCells, masking rules, initial states."""

import numpy as np
import torch

import lamina
from harness import run_layer_test
from lamina.layers.rnn import GRUCell
from lamina.layers.rnn import LSTMCell
from lamina.layers.rnn import RNN
from lamina.layers.rnn import StackedRNNCells
from lamina.saving import register_keras_serializable


def minimal_cell_class(base, matmul):
    """The Keras guide's `MinimalRNNCell`, on either library."""

    class MinimalRNNCell(base):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="uniform",
                name="kernel")
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer="uniform",
                name="recurrent_kernel")
            self.built = True

        def call(self, inputs, states):
            prev_output = states[0]
            h = matmul(inputs, self.kernel)
            output = h + matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MinimalRNNCell


MinimalRNNCell = register_keras_serializable(package="rnn_tests")(
    minimal_cell_class(lamina.Layer, torch.matmul))


class PeepholeCounterCell(lamina.Layer):
    """Two states of different sizes, an `output_size`, a `training`
    argument and its own `get_initial_state`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [3, 1]
        self.output_size = 3

    def get_initial_state(self, batch_size=None):
        return [torch.full((batch_size, 3), 0.5), torch.zeros(batch_size, 1)]

    def call(self, inputs, states, training=False):
        value, count = states
        value = torch.tanh(value + inputs[:, :3])
        return value * (2.0 if training else 1.0), [value, count + 1]


def test_user_cell_matches_keras(keras_ref, sequences, holey_mask):
    keras_cls = minimal_cell_class(keras_ref.layers.Layer,
                                   keras_ref.ops.matmul)
    keras_layer = keras_ref.layers.RNN(keras_cls(5), return_sequences=True,
                                       return_state=True)
    layer = RNN(MinimalRNNCell(5), return_sequences=True, return_state=True)
    keras_layer(sequences)
    layer(sequences)
    assert [w.path for w in layer.weights] == [
        "rnn/minimal_rnn_cell/kernel", "rnn/minimal_rnn_cell/recurrent_kernel"]
    layer.set_weights([keras_ref.ops.convert_to_numpy(w)
                       for w in keras_layer.weights])
    for call_kwargs in ({}, {"mask": holey_mask}):
        expected = keras_layer(sequences, **call_kwargs)
        got = layer(sequences, **call_kwargs)
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g.detach().cpu().numpy(),
                                       keras_ref.ops.convert_to_numpy(e),
                                       atol=1e-5)


def test_user_cell_harness():
    run_layer_test(RNN, {"cell": MinimalRNNCell(4), "return_sequences": True},
                   input_shape=(2, 5, 3), expected_output_shape=(2, 5, 4),
                   expected_num_trainable_weights=2)


def test_user_cell_states_sizes_and_training():
    layer = RNN(PeepholeCounterCell(), return_state=True)
    x = torch.zeros(2, 4, 3)
    output, value, count = layer(x)
    assert output.shape == (2, 3) and count.tolist() == [[4.0], [4.0]]
    trained, _, _ = layer(x, training=True)
    torch.testing.assert_close(trained, 2 * output)
    symbolic = layer(lamina.Input((4, 3)))
    assert [t.shape for t in symbolic] == [(None, 3), (None, 3), (None, 1)]


def test_stacked_cells_match_keras(check_parity, sequences, padded_mask):
    def make(L):
        return L.RNN([L.LSTMCell(4), L.GRUCell(3), L.SimpleRNNCell(2)],
                     return_sequences=True, return_state=True)

    ours, _ = check_parity(make, sequences)
    assert isinstance(ours.cell, StackedRNNCells)
    assert [w.path for w in ours.weights][:2] == [
        "rnn/stacked_rnn_cells/lstm_cell/kernel",
        "rnn/stacked_rnn_cells/lstm_cell/recurrent_kernel"]
    check_parity(make, sequences, {"mask": padded_mask})


def test_stacked_cells_harness():
    output, lstm_states, gru_state = run_layer_test(
        StackedRNNCellsLayer, {"return_state": True}, input_shape=(2, 5, 3),
        expected_output_shape=((2, 2), [(2, 4), (2, 4)], (2, 2)),
    )(np.ones((2, 5, 3), "float32"))
    assert gru_state.shape == (2, 2) and len(lstm_states) == 2


@register_keras_serializable(package="rnn_tests")
class StackedRNNCellsLayer(RNN):
    """An RNN creating fresh stacked cells, so the harness builds each
    instance separately."""

    def __init__(self, cell=None, **kwargs):
        cell = cell or [LSTMCell(4), GRUCell(2)]
        super().__init__(cell, **kwargs)


def test_zero_output_for_mask_matches_keras(check_parity, sequences,
                                            holey_mask):
    ours, _ = check_parity(
        lambda L: L.RNN(L.LSTMCell(4), zero_output_for_mask=True,
                        return_sequences=True), sequences,
        {"mask": holey_mask})
    out = ours(sequences, mask=holey_mask).detach().cpu().numpy()
    assert np.all(out[~holey_mask] == 0)


def test_masked_steps_repeat_previous_output(sequences, holey_mask):
    out = RNN(LSTMCell(4), return_sequences=True)(
        sequences, mask=holey_mask).detach().cpu().numpy()
    # Sequence 1 starts masked (zeros), then repeats its last valid output.
    np.testing.assert_array_equal(out[1, 0], np.zeros(4))
    np.testing.assert_array_equal(out[1, 4], out[1, 3])
    np.testing.assert_array_equal(out[0, 1], out[0, 0])


def test_initial_state_for_stacked_cells(sequences):
    layer = RNN([LSTMCell(4), GRUCell(2)], return_state=True)
    h, c, g = torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 2)
    _, (h1, c1), g1 = layer(sequences, initial_state=[[h, c], g])
    _, (h2, c2), g2 = layer(sequences, initial_state=[h, c, g])
    torch.testing.assert_close(g1, g2)
    zeros = layer(sequences)[2]
    assert not torch.allclose(g1, zeros)


def test_get_initial_state():
    assert [tuple(s.shape) for s in RNN(LSTMCell(3)).get_initial_state(5)] \
        == [(5, 3), (5, 3)]
