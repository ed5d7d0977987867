import numpy as np
import pytest
import torch

import lamina
from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import SimpleRNN


def _batches(count=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4, 2)).astype("float32")
            for _ in range(count)]


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN", "ConvLSTM1D"])
def test_states_persist_across_batches_as_in_keras(name, keras_ref,
                                                   lamina_layers):
    kwargs = {"filters": 3, "kernel_size": 1} if name == "ConvLSTM1D" \
        else {"units": 3}
    theirs = getattr(keras_ref.layers, name)(stateful=True, **kwargs)
    ours = getattr(lamina_layers, name)(stateful=True, **kwargs)
    batches = _batches()
    if name == "ConvLSTM1D":
        batches = [b[..., None] for b in batches]
    theirs(batches[0])
    ours(batches[0])
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    theirs.reset_states()
    ours.reset_states()
    outputs = []
    for batch in batches + [None] + batches:
        if batch is None:
            theirs.reset_states()
            ours.reset_states()
            continue
        expected = keras_ref.ops.convert_to_numpy(theirs(batch))
        got = ours(batch).detach().cpu().numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5)
        outputs.append(got)
    assert not np.allclose(outputs[0], outputs[1])  # the state carried over
    np.testing.assert_allclose(outputs[2], outputs[0], atol=1e-6)  # reset


def test_states_are_not_weights_and_follow_the_layer():
    layer = LSTM(2, stateful=True)
    layer(np.ones((3, 4, 2), "float32"))
    assert len(layer.weights) == 3
    assert list(layer.state_dict()) == ["cell.kernel", "cell.recurrent_kernel",
                                        "cell.bias"]
    h, c = layer.states
    assert h.shape == (3, 2) and not h.requires_grad
    layer.to(torch.float64)
    assert layer.states[0].dtype == torch.float64


def test_gradients_are_truncated_between_batches():
    layer = GRU(2, stateful=True)
    x = torch.ones(3, 4, 2)
    layer(x).sum().backward()
    second = layer(x)
    second.sum().backward()  # no "backward through the graph a second time"
    assert layer.states[0].grad_fn is None


def test_stateful_model_fit_keeps_states_and_initial_state_wins():
    model = lamina.Sequential([
        lamina.Input(batch_shape=(3, 4, 2)),
        SimpleRNN(3, stateful=True),
        lamina.layers.Dense(1),
    ])
    model.compile("sgd", "mse")
    x = np.concatenate(_batches(2))
    model.fit(x, np.zeros((6, 1)), batch_size=3, shuffle=False, verbose=0)
    rnn = model.layers[0]
    assert float(rnn.states[0].abs().sum()) > 0
    rnn.reset_states()
    assert float(rnn.states[0].abs().sum()) == 0
    given = torch.full((3, 3), 0.5)
    out = rnn(torch.zeros(3, 4, 2), initial_state=[given])
    fresh = SimpleRNN(3)
    fresh(torch.zeros(3, 4, 2))
    fresh.set_weights(rnn.get_weights())
    torch.testing.assert_close(out, fresh(torch.zeros(3, 4, 2),
                                          initial_state=[given]))


def test_symbolic_calls_leave_states_alone():
    layer = LSTM(2, stateful=True)
    layer(np.ones((3, 4, 2), "float32"))
    before = [s.clone() for s in layer.states]
    layer(lamina.Input(batch_shape=(3, 4, 2)))
    for a, b in zip(before, layer.states):
        torch.testing.assert_close(a, b)
