"""Masks from Embedding(mask_zero=True) and Masking, in models, against
Keras; right-padded masks take the fused path, others the step loop."""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM


def _tokens(padding="post", seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, 9, size=(4, 7))
    lengths = [7, 5, 3, 1]
    for row, length in enumerate(lengths):
        if padding == "post":
            tokens[row, length:] = 0
        else:
            tokens[row, :7 - length] = 0
    return tokens


def _copy_model_weights(keras, theirs, ours):
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_embedding_mask_in_sequential(padding, keras_ref, lamina_layers):
    def make(L, embedding):
        return [embedding(10, 4, mask_zero=True),
                L.Bidirectional(L.LSTM(3, return_sequences=True)),
                L.GRU(3, return_sequences=True, go_backwards=True),
                L.SimpleRNN(2)]

    theirs = keras_ref.Sequential(
        [keras_ref.Input((7,), dtype="int32")]
        + make(keras_ref.layers, keras_ref.layers.Embedding))
    ours = lamina.Sequential(
        [lamina.Input((7,), dtype="int32")]
        + make(lamina_layers, lamina.layers.Embedding))
    tokens = _tokens(padding)
    theirs(tokens)
    _copy_model_weights(keras_ref, theirs, ours)
    np.testing.assert_allclose(ours(tokens).detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs(tokens)),
                               atol=1e-5)


def test_masking_layer_in_functional_model(keras_ref):
    x = np.random.default_rng(1).standard_normal((3, 5, 2)).astype("float32")
    x[0, 3:] = 0.0
    x[1, 1] = 0.0  # a masked step in the middle

    def build(lib, layers):
        inputs = lib.Input((5, 2))
        masked = layers.Masking()(inputs)
        seq = layers.LSTM(4, return_sequences=True)(masked)
        return lib.Model(inputs, layers.GRU(3)(seq))

    from lamina.layers import rnn

    theirs = build(keras_ref, keras_ref.layers)
    ours = build(lamina, _Namespace(lamina.layers, rnn))
    _copy_model_weights(keras_ref, theirs, ours)
    np.testing.assert_allclose(ours(x).detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs(x)),
                               atol=1e-5)


class _Namespace:
    def __init__(self, *modules):
        self._modules = modules

    def __getattr__(self, name):
        for module in self._modules:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(name)


def test_output_masks():
    embedded = lamina.layers.Embedding(10, 4, mask_zero=True)(_tokens())
    sequences = LSTM(3, return_sequences=True)(embedded)
    assert torch.equal(sequences._keras_mask, embedded._keras_mask)
    assert getattr(LSTM(3)(embedded), "_keras_mask", None) is None
    output, h = GRU(3, return_sequences=True, return_state=True)(embedded)
    assert output._keras_mask is not None
    assert getattr(h, "_keras_mask", None) is None


def test_mask_as_a_keras_style_list_and_with_trailing_axis(sequences,
                                                           padded_mask):
    layer = LSTM(3)
    expected = layer(sequences, mask=padded_mask)
    torch.testing.assert_close(layer(sequences, mask=[padded_mask]), expected)
    torch.testing.assert_close(
        layer(sequences, mask=padded_mask[..., None]), expected)
    torch.testing.assert_close(
        layer(sequences, mask=padded_mask.astype("float32")), expected)
