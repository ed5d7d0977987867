import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.rnn import GRUCell
from lamina.layers.rnn import LSTMCell
from lamina.layers.rnn import RNN
from lamina.layers.rnn import SimpleRNNCell

CELLS = {
    "SimpleRNNCell": ({}, 1),
    "LSTMCell": ({}, 2),
    "GRUCell": ({"reset_after": True}, 1),
    "GRUCell_before": ({"reset_after": False}, 1),
}


def _cell_pair(keras, name):
    kwargs, _ = CELLS[name]
    cls = name.split("_")[0]
    ours = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell,
            "GRUCell": GRUCell}[cls](4, **kwargs)
    return getattr(keras.layers, cls)(4, **kwargs), ours


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_single_step_matches_keras(name, keras_ref):
    keras_cell, cell = _cell_pair(keras_ref, name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5)).astype("float32")
    states = [rng.standard_normal((3, 4)).astype("float32")
              for _ in range(CELLS[name][1])]
    keras_cell(x, states)
    cell(x, states)
    weights = [rng.uniform(-0.5, 0.5, tuple(w.shape)).astype("float32")
               for w in keras_cell.weights]
    keras_cell.set_weights(weights)
    cell.set_weights(weights)
    expected_out, expected_states = keras_cell(x, states)
    out, new_states = cell(x, states)
    np.testing.assert_allclose(out.detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(expected_out),
                               atol=1e-5)
    assert len(new_states) == len(expected_states)
    for ours, theirs in zip(new_states, expected_states):
        np.testing.assert_allclose(ours.detach().cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(theirs),
                                   atol=1e-5)


def test_single_state_cells_accept_a_bare_tensor():
    x, h = torch.ones(2, 3), torch.zeros(2, 4)
    for cell in (GRUCell(4), SimpleRNNCell(4)):
        out, state = cell(x, h)
        assert isinstance(state, torch.Tensor) and state.shape == (2, 4)
        assert torch.equal(out, state)


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_in_rnn(name, keras_ref):
    kwargs, _ = CELLS[name]
    cls = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell,
           "GRUCell": GRUCell}[name.split("_")[0]]
    run_layer_test(RNN, {"cell": cls(4, **kwargs), "return_sequences": True},
                   input_shape=(2, 5, 3), expected_output_shape=(2, 5, 4),
                   expected_num_trainable_weights=3)


@pytest.mark.parametrize("name", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_rnn_over_cell_matches_keras(name, check_parity, sequences,
                                     holey_mask):
    check_parity(lambda L: L.RNN(getattr(L, name)(5), return_sequences=True,
                                 return_state=True, go_backwards=True),
                 sequences, {"mask": holey_mask})


@pytest.mark.parametrize("name", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_cell_config_matches_keras(name, keras_ref):
    kwargs = {"units": 3, "dropout": 0.5, "kernel_regularizer": "l1",
              "seed": 7, "name": "cell"}
    ours = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell,
            "GRUCell": GRUCell}[name](**kwargs)
    theirs = getattr(keras_ref.layers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(theirs.get_config()).get_config() == \
        ours.get_config()


def test_cell_initial_state_and_sizes():
    lstm, gru = LSTMCell(4), GRUCell(3)
    assert lstm.state_size == [4, 4] and lstm.output_size == 4
    assert gru.state_size == 3 and gru.output_size == 3
    states = lstm.get_initial_state(batch_size=2)
    assert [tuple(s.shape) for s in states] == [(2, 4), (2, 4)]


def test_dropout_rates_are_clipped_as_in_keras():
    cell = LSTMCell(2, dropout=1.5, recurrent_dropout=-1)
    assert (cell.dropout, cell.recurrent_dropout) == (1.0, 0.0)
