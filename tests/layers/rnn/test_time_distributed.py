import numpy as np
import torch

import lamina
from harness import run_layer_test
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import TimeDistributed


def test_dense_harness_and_parity(check_parity, sequences):
    run_layer_test(TimeDistributed, {"layer": lamina.layers.Dense(3)},
                   input_shape=(2, 5, 4), expected_output_shape=(2, 5, 3),
                   expected_num_trainable_weights=2, supports_masking=True)
    check_parity(lambda L: L.TimeDistributed(L.Dense(3)), sequences)


def test_weight_paths():
    layer = TimeDistributed(lamina.layers.Dense(3))
    layer(np.zeros((2, 5, 4), "float32"))
    assert [w.path for w in layer.weights] == [
        "time_distributed/dense/kernel", "time_distributed/dense/bias"]


def test_conv2d_over_frames(keras_ref):
    frames = np.random.default_rng(0).standard_normal(
        (2, 3, 6, 6, 2)).astype("float32")
    theirs = keras_ref.layers.TimeDistributed(
        keras_ref.layers.Conv2D(4, 3, padding="same"))
    ours = TimeDistributed(lamina.layers.Conv2D(4, 3, padding="same"))
    expected = keras_ref.ops.convert_to_numpy(theirs(frames))
    ours(frames)
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    np.testing.assert_allclose(ours(frames).detach().cpu().numpy(), expected,
                               atol=1e-5)
    symbolic = ours(lamina.Input((3, 6, 6, 2)))
    assert symbolic.shape == (None, 3, 6, 6, 4)


class CountingScale(lamina.Layer):
    """Scales by the batch mean in training and counts its calls in a
    non-trainable weight, like a batch-statistics layer."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros",
                                     trainable=False, name="calls")

    def call(self, inputs, training=False):
        if training:
            with torch.no_grad():
                self.calls.add_(1)
            return inputs - inputs.mean(dim=0, keepdim=True)
        return inputs


def test_layers_with_batch_state_run_per_timestep_in_training():
    layer = TimeDistributed(CountingScale())
    x = torch.randn(4, 3, 2)
    out = layer(x, training=True)
    assert float(layer.layer.calls) == 3
    # Statistics are per timestep, as Keras computes them.
    torch.testing.assert_close(out, x - x.mean(dim=0, keepdim=True))
    torch.testing.assert_close(layer(x), x)
    assert float(layer.layer.calls) == 3


class MaskEcho(lamina.Layer):
    def call(self, inputs, mask=None):
        return inputs * mask.unsqueeze(-1).to(inputs.dtype)


def test_mask_reaches_the_wrapped_layer_and_passes_through():
    x = torch.ones(2, 3, 4)
    mask = torch.tensor([[True, False, True], [False, True, True]])
    out = TimeDistributed(MaskEcho())(x, mask=mask)
    torch.testing.assert_close(out.sum(-1), mask.float() * 4)
    embedded = lamina.layers.Embedding(5, 4, mask_zero=True)(
        np.array([[1, 2, 0], [3, 0, 0]]))
    out = TimeDistributed(lamina.layers.Dense(2))(embedded)
    assert out._keras_mask.tolist() == [[True, True, False],
                                        [True, False, False]]


def test_wraps_a_recurrent_layer():
    x = torch.randn(2, 3, 5, 4)  # (batch, outer time, inner time, features)
    out = TimeDistributed(LSTM(6))(x)
    assert out.shape == (2, 3, 6)


def test_config_matches_keras(keras_ref):
    ours = TimeDistributed(lamina.layers.Dense(3, name="d"), name="td")
    theirs = keras_ref.layers.TimeDistributed(
        keras_ref.layers.Dense(3, name="d"), name="td")
    assert ours.get_config() == theirs.get_config()
    clone = TimeDistributed.from_config(ours.get_config())
    assert isinstance(clone.layer, lamina.layers.Dense)
