import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import Bidirectional
from lamina.layers.rnn import SimpleRNN

MERGE_MODES = ["concat", "sum", "mul", "ave", None]


@pytest.mark.parametrize("merge_mode", MERGE_MODES)
def test_merge_modes_harness(merge_mode):
    width = 8 if merge_mode == "concat" else 4
    expected = (2, 5, width) if merge_mode else ((2, 5, 4), (2, 5, 4))
    run_layer_test(Bidirectional, {"layer": LSTM(4, return_sequences=True),
                                   "merge_mode": merge_mode},
                   input_shape=(2, 5, 3), expected_output_shape=expected,
                   expected_num_trainable_weights=6, supports_masking=True)


@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("rnn", ["LSTM", "GRU", "SimpleRNN"])
def test_merge_modes_match_keras(merge_mode, rnn, check_parity, sequences,
                                 padded_mask):
    for kwargs in ({}, {"return_sequences": True}):
        make = lambda L: L.Bidirectional(  # noqa: E731
            getattr(L, rnn)(4, **kwargs), merge_mode=merge_mode)
        check_parity(make, sequences)
        check_parity(make, sequences, {"mask": padded_mask})


@pytest.mark.parametrize("mask_name", ["padded_mask", "holey_mask"])
def test_masks_reach_both_directions(mask_name, request, check_parity,
                                     sequences):
    mask = request.getfixturevalue(mask_name)
    ours, _ = check_parity(
        lambda L: L.Bidirectional(L.GRU(4, return_sequences=True,
                                        return_state=True)),
        sequences, {"mask": mask})
    out = ours(sequences, mask=mask)[0].detach().cpu().numpy()
    # Bidirectional forces zero outputs at masked steps, in both halves.
    assert np.all(out[~mask] == 0)


def test_return_state_and_initial_state(check_parity, sequences):
    rng = np.random.default_rng(3)
    states = list(rng.standard_normal((4, 3, 4)).astype("float32"))
    ours, _ = check_parity(
        lambda L: L.Bidirectional(L.LSTM(4, return_state=True)),
        sequences, {"initial_state": states})
    out = ours(sequences, initial_state=states)
    assert len(out) == 5 and out[0].shape == (3, 8)
    check_parity(lambda L: L.Bidirectional(L.GRU(4, return_state=True),
                                           merge_mode=None),
                 sequences, {"initial_state": states[:2]})


def test_backward_layer_argument(check_parity, sequences):
    def make(L):
        return L.Bidirectional(
            L.LSTM(3, return_sequences=True),
            backward_layer=L.GRU(3, return_sequences=True,
                                 go_backwards=True))

    ours, _ = check_parity(make, sequences)
    assert [type(ours.forward_layer), type(ours.backward_layer)] == [LSTM, GRU]
    config = ours.get_config()
    clone = Bidirectional.from_config(config)
    assert type(clone.backward_layer) is GRU


def test_names_weights_and_config(keras_ref):
    layer = Bidirectional(LSTM(3, name="enc"), name="bi")
    layer(np.zeros((2, 4, 5), "float32"))
    assert [w.path for w in layer.weights] == [
        "bi/forward_enc/lstm_cell/kernel",
        "bi/forward_enc/lstm_cell/recurrent_kernel",
        "bi/forward_enc/lstm_cell/bias",
        "bi/backward_enc/lstm_cell/kernel",
        "bi/backward_enc/lstm_cell/recurrent_kernel",
        "bi/backward_enc/lstm_cell/bias",
    ]
    assert layer.backward_layer.go_backwards
    theirs = keras_ref.layers.Bidirectional(
        keras_ref.layers.LSTM(3, name="enc"), name="bi", merge_mode="ave")
    ours = Bidirectional(LSTM(3, name="enc"), name="bi", merge_mode="ave")
    assert ours.get_config() == theirs.get_config()


def test_weights_argument_sets_forward_then_backward():
    template = Bidirectional(SimpleRNN(2))
    template(np.zeros((1, 3, 2), "float32"))
    weights = [np.full(w.shape, i, "float32")
               for i, w in enumerate(template.get_weights())]
    layer = Bidirectional(SimpleRNN(2), weights=weights)
    layer(np.zeros((1, 3, 2), "float32"))
    assert [float(w.mean()) for w in layer.get_weights()] == \
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_symbolic_shapes():
    import lamina

    inputs = lamina.Input((5, 3))
    out = Bidirectional(LSTM(4, return_state=True), merge_mode=None)(inputs)
    assert [t.shape for t in out] == [(None, 4)] * 6
    seq = Bidirectional(GRU(4, return_sequences=True))(inputs)
    assert seq.shape == (None, 5, 8)
    model = lamina.Model(inputs, seq)
    assert model(np.zeros((2, 5, 3), "float32")).shape == (2, 5, 8)


def test_stateful_bidirectional_reset():
    layer = Bidirectional(LSTM(2, stateful=True))
    x = torch.ones(2, 3, 2)
    first = layer(x)
    second = layer(x)
    assert not torch.allclose(first, second)
    assert len(layer.states) == 4
    layer.reset_states()
    torch.testing.assert_close(layer(x), first)
    with pytest.raises(AttributeError, match="not stateful"):
        Bidirectional(LSTM(2)).reset_states()


def test_wraps_an_rnn_over_an_unregistered_user_cell():
    import lamina
    from lamina.layers.rnn import RNN

    class DecayCell(lamina.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          name="kernel")

        def call(self, inputs, states):
            h = 0.5 * states[0] + inputs @ self.kernel
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    layer = Bidirectional(RNN(DecayCell(3), return_sequences=True))
    out = layer(torch.ones(2, 4, 5))
    assert out.shape == (2, 4, 6)
    assert type(layer.backward_layer.cell).__name__ == "DecayCell"
