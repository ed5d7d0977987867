"""MelSpectrogram against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def _audio(shape=(2, 1600), seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(shape[-1]) / 16000
    tone = np.sin(2 * np.pi * 440 * t) + 0.3 * rng.standard_normal(shape)
    return tone.astype("float32")


@pytest.mark.parametrize("kwargs", [
    {"fft_length": 256, "sequence_stride": 64, "num_mel_bins": 20},
    {"fft_length": 512, "sequence_stride": 128, "sequence_length": 300,
     "window": "hamming", "num_mel_bins": 40, "min_freq": 100.0,
     "max_freq": 6000, "top_db": 40.0, "mag_exp": 1.0, "ref_power": 2.0},
    {"fft_length": 128, "sequence_stride": 32, "power_to_db": False,
     "window": None, "sampling_rate": 8000, "num_mel_bins": 16},
])
def test_matches_keras(keras_ref, kwargs):
    x = _audio()
    ours = preprocessing.MelSpectrogram(**kwargs)
    theirs = keras_ref.layers.MelSpectrogram(**kwargs)
    got = ours(x).detach().cpu().numpy()
    expected = keras_ref.ops.convert_to_numpy(theirs(x))
    assert got.shape == expected.shape
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, atol=1e-4 * scale, rtol=1e-4)
    config, keras_config = ours.get_config(), theirs.get_config()
    config.pop("name"), keras_config.pop("name")
    assert config == keras_config
    assert tuple(ours.compute_output_shape((2, 1600))) == \
        tuple(theirs.compute_output_shape((2, 1600)))


def test_filter_bank_peaks_at_one():
    from lamina.layers.preprocessing.mel_spectrogram import (
        linear_to_mel_weight_matrix,
    )
    matrix = linear_to_mel_weight_matrix(10, 257, 16000, 20.0, 8000.0)
    assert matrix.shape == (257, 10)
    assert (matrix[0] == 0).all()
    assert (matrix.max(0).values > 0.8).all() and matrix.max() <= 1


def test_harness(keras_ref):
    run_layer_test(preprocessing.MelSpectrogram,
                   {"fft_length": 64, "sequence_stride": 16,
                    "num_mel_bins": 8},
                   input_shape=(2, 200), expected_output_shape=(2, 8, 13),
                   expected_num_trainable_weights=0,
                   run_training_check=False, keras_reference=keras_ref,
                   atol=1e-3, rtol=1e-3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="fft_length"):
        preprocessing.MelSpectrogram(fft_length=64, sequence_length=128)
    with pytest.raises(ValueError, match="window"):
        preprocessing.MelSpectrogram(window="kaiser")
