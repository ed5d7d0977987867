"""STFTSpectrogram against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def _signal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) \
        .astype("float32")


@pytest.mark.parametrize("kwargs,shape", [
    ({"frame_length": 32}, (2, 200, 1)),
    ({"mode": "magnitude", "frame_length": 20, "frame_step": 7,
      "fft_length": 32, "padding": "same", "window": "hamming"},
     (2, 150, 2)),
    ({"mode": "psd", "frame_length": 16, "scaling": "spectrum",
      "periodic": True, "expand_dims": True}, (1, 100, 3)),
    ({"mode": "stft", "frame_length": 16, "window": None},
     (2, 80, 1)),
    ({"mode": "angle", "frame_length": 16,
      "data_format": "channels_first"}, (2, 2, 90)),
    ({"mode": "real", "frame_length": 16, "expand_dims": True,
      "data_format": "channels_first"}, (2, 2, 90)),
    ({"mode": "imag", "frame_length": 16}, (2, 64, 1)),
])
def test_matches_keras(keras_ref, kwargs, shape):
    x = _signal(shape)
    ours = preprocessing.STFTSpectrogram(**kwargs)
    theirs = keras_ref.layers.STFTSpectrogram(**kwargs)
    expected = keras_ref.ops.convert_to_numpy(theirs(x))
    got = ours(x).detach().cpu().numpy()
    assert got.shape == expected.shape
    assert tuple(ours.compute_output_shape(shape)) == \
        tuple(theirs.compute_output_shape(shape))
    tolerance = 1e-3 if kwargs.get("mode") == "angle" else 1e-4
    np.testing.assert_allclose(got, expected, atol=tolerance, rtol=1e-3)
    config, keras_config = ours.get_config(), theirs.get_config()
    config.pop("name"), keras_config.pop("name")
    assert config == keras_config


def test_magnitude_matches_torch_stft():
    x = torch.randn(1, 256, 1)
    layer = preprocessing.STFTSpectrogram(
        mode="magnitude", frame_length=64, frame_step=16, window=None,
        scaling=None)
    ours = layer(x)[0]
    spectrum = torch.stft(x[0, :, 0], n_fft=64, hop_length=16, center=False,
                          window=torch.ones(64), return_complex=True)
    torch.testing.assert_close(ours, spectrum.abs().T, atol=1e-3, rtol=1e-4)


def test_harness(keras_ref):
    run_layer_test(preprocessing.STFTSpectrogram,
                   {"mode": "log", "frame_length": 16},
                   input_shape=(2, 64, 1), expected_output_shape=(2, 7, 9),
                   expected_num_trainable_weights=2,
                   keras_reference=keras_ref, atol=1e-4, rtol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="frame_step"):
        preprocessing.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="mode"):
        preprocessing.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="Padding"):
        preprocessing.STFTSpectrogram(padding="causal")
