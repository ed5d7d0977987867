"""Recurrent layers inside models: the seed program's subclassed encoder,
and a bidirectional text classifier trained with `fit`."""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import Dense
from lamina.layers import Embedding
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import Bidirectional


class Encoder(lamina.Model):
    def __init__(self, vocab_size, embedding_size, lstm_size):
        super().__init__()
        self.lstm_size = lstm_size
        self.embedding = Embedding(vocab_size, embedding_size)
        self.lstm = LSTM(lstm_size, return_sequences=True, return_state=True)

    def call(self, sequence, states):
        embed = self.embedding(sequence)
        output, state_h, state_c = self.lstm(embed, initial_state=states)
        return output, state_h, state_c

    def init_states(self, batch_size):
        return (torch.zeros([batch_size, self.lstm_size]),
                torch.zeros([batch_size, self.lstm_size]))


def test_subclassed_encoder_runs_and_gets_gradients():
    encoder = Encoder(vocab_size=30, embedding_size=8, lstm_size=16)
    tokens = np.random.default_rng(0).integers(1, 30, size=(4, 9))
    output, state_h, state_c = encoder(tokens, encoder.init_states(4))
    assert output.shape == (4, 9, 16)
    assert state_h.shape == state_c.shape == (4, 16)
    torch.testing.assert_close(output[:, -1], state_h)
    (output.mean() + state_c.mean()).backward()
    assert len(encoder.trainable_weights) == 4
    assert all(w.grad is not None and w.grad.abs().sum() > 0
               for w in encoder.trainable_weights)
    # Non-zero initial states change the result.
    ones = (torch.ones(4, 16), torch.ones(4, 16))
    assert not torch.allclose(encoder(tokens, ones)[1], state_h)


def _text_data(count, seed, length=10, vocab=20):
    """Right-padded token sequences; the label is whether token 1 occurs
    before token 2 (an order rule a bag of words cannot learn)."""
    rng = np.random.default_rng(seed)
    tokens = np.zeros((count, length), "int64")
    labels = np.zeros((count, 1), "float32")
    for row in range(count):
        size = rng.integers(4, length + 1)
        seq = rng.integers(3, vocab, size=size)
        first, second = rng.choice(size, 2, replace=False)
        seq[first], seq[second] = 1, 2
        tokens[row, :size] = seq
        labels[row] = float(first < second)
    return tokens, labels


def test_bidirectional_text_classifier_learns():
    lamina.random.set_random_seed(0)
    x, y = _text_data(512, seed=0)
    x_test, y_test = _text_data(256, seed=1)
    model = lamina.Sequential([
        lamina.Input((10,), dtype="int64"),
        Embedding(20, 16, mask_zero=True),
        Bidirectional(LSTM(64, return_sequences=True)),
        Bidirectional(LSTM(64)),
        Dense(1, activation="sigmoid"),
    ])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.9, accuracy


def test_model_weights_order_matches_keras(keras_ref):
    def build(lib, rnn):
        return lib.Sequential([
            lib.Input((6,), dtype="int32"),
            lib.layers.Embedding(10, 4, mask_zero=True),
            rnn.Bidirectional(rnn.GRU(3, return_sequences=True)),
            rnn.LSTM(2),
        ])

    from lamina.layers import rnn

    theirs = build(keras_ref, keras_ref.layers)
    ours = build(lamina, rnn)
    assert [w.shape for w in theirs.get_weights()] == \
        [w.shape for w in ours.get_weights()]
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]])
    np.testing.assert_allclose(
        ours(tokens).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(tokens)), atol=1e-5)


def test_functional_seq2seq_with_initial_state_matches_keras(keras_ref):
    """Keras's character-level seq2seq: the encoder's final states start
    the decoder."""

    def build(lib, layers):
        encoder_inputs = lib.Input((None, 5))
        _, h, c = layers.LSTM(8, return_state=True)(encoder_inputs)
        decoder_inputs = lib.Input((None, 6))
        decoded = layers.LSTM(8, return_sequences=True)(
            decoder_inputs, initial_state=[h, c])
        outputs = layers.Dense(6, activation="softmax")(decoded)
        return lib.Model([encoder_inputs, decoder_inputs], outputs)

    from lamina.layers import rnn

    class Layers:
        LSTM = rnn.LSTM
        Dense = Dense

    theirs = build(keras_ref, keras_ref.layers)
    ours = build(lamina, Layers)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((2, 7, 5)).astype("float32"),
              rng.standard_normal((2, 4, 6)).astype("float32")]
    np.testing.assert_allclose(
        ours(inputs).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(inputs)), atol=1e-5)
    ours.compile("rmsprop", "categorical_crossentropy")
    targets = np.eye(6, dtype="float32")[rng.integers(0, 6, (2, 4))]
    before = ours.evaluate(inputs, targets, verbose=0)
    ours.fit(inputs, targets, epochs=3, verbose=0)
    assert ours.evaluate(inputs, targets, verbose=0) < before
