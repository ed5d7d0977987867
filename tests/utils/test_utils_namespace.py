"""`keras.utils`: Config, get_source_inputs, split_dataset, the re-exported
helpers, audio_dataset_from_directory; compared with Keras where it runs."""

import os
import wave

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import utils

os.environ.setdefault("KERAS_BACKEND", "torch")


def test_config_attributes_items_and_freezing():
    config = utils.Config(a=1, b=2)
    config.c = 3
    assert config["c"] == 3 and config.a == 1 and "b" in config
    assert config.as_dict() == {"a": 1, "b": 2, "c": 3}
    assert config.to_json() == '{"a": 1, "b": 2, "c": 3}'
    assert repr(config) == "<Config {'a': 1, 'b': 2, 'c': 3}>"
    config.freeze()
    assert config.frozen
    with pytest.raises(ValueError, match="frozen"):
        config.a = 5
    with pytest.raises(ValueError, match="frozen"):
        config["a"] = 5
    with pytest.raises(AttributeError, match="Unknown attribute: 'zz'"):
        config.zz
    config.unfreeze()
    del config.c
    assert list(config) == ["a", "b"] and len(config) == 2


def test_get_source_inputs_lists_each_input_once_in_order():
    a, b = keras.Input((3,)), keras.Input((3,))
    c = keras.layers.Add()([a, b])
    d = keras.layers.Dense(2)(keras.layers.Concatenate()([c, a]))
    sources = utils.get_source_inputs(d)
    assert len(sources) == 2
    assert sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a)[0] is a


def test_reexported_helpers():
    assert utils.is_keras_tensor(keras.Input((2,)))
    assert not utils.is_keras_tensor(torch.zeros(2))
    assert utils.standardize_dtype(torch.int32) == "int32"
    assert utils.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert utils.pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    keras.layers.Dense(1)
    utils.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_split_dataset_sizes_follow_keras():
    x = np.arange(10)
    y = np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.8)
    assert left[0].tolist() == list(range(8)) and right[1].tolist() == [16, 18]
    left, right = utils.split_dataset({"a": x}, right_size=3)
    assert len(left["a"]) == 7 and len(right["a"]) == 3
    left, right = utils.split_dataset(x, left_size=4, right_size=3,
                                      shuffle=True, seed=1)
    assert len(left) == 4 and len(right) == 3
    assert not set(left) & set(right)
    subset_left, subset_right = utils.split_dataset(
        torch.utils.data.TensorDataset(torch.arange(5)), left_size=0.4)
    assert len(subset_left) == 2 and len(subset_right) == 3
    with pytest.raises(ValueError, match="left_size` or `right_size"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="greater than 1"):
        utils.split_dataset(x, left_size=0.7, right_size=0.5)
    with pytest.raises(ValueError, match="smaller than 10"):
        utils.split_dataset(x, left_size=10)


def _write_wav(path, samples, rate=16000):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2").tobytes())


@pytest.fixture
def audio_dir(tmp_path):
    rng = np.random.default_rng(0)
    for label, lengths in (("cat", [50, 80, 30]), ("dog", [60, 40])):
        (tmp_path / label).mkdir()
        for i, n in enumerate(lengths):
            samples = rng.integers(-32768, 32767, (n, 1))
            _write_wav(tmp_path / label / f"{i}.wav", samples)
    return tmp_path


def test_audio_dataset_pads_batches_and_labels(audio_dir):
    ds = utils.audio_dataset_from_directory(
        audio_dir, batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["cat", "dog"]
    assert len(ds) == 3
    audio, labels = ds[0]
    assert audio.shape == (2, 80, 1) and audio.dtype == torch.float32
    assert labels.tolist() == [0, 0] and labels.dtype == torch.int32
    assert (audio[0, 50:] == 0).all()
    assert audio.abs().max() <= 1
    fixed = utils.audio_dataset_from_directory(
        audio_dir, batch_size=5, output_sequence_length=45,
        label_mode="categorical", shuffle=False, verbose=False)
    audio, labels = fixed[0]
    assert audio.shape == (5, 45, 1) and labels.shape == (5, 2)
    ragged = utils.audio_dataset_from_directory(
        audio_dir, batch_size=5, ragged=True, shuffle=False, verbose=False)
    assert [len(clip) for clip in ragged[0][0]] == [50, 80, 30, 60, 40]
    resampled = utils.audio_dataset_from_directory(
        audio_dir, batch_size=5, sampling_rate=8000, ragged=True,
        shuffle=False, verbose=False)
    assert [len(clip) for clip in resampled[0][0]] == [25, 40, 15, 30, 20]


def test_audio_samples_match_tensorflow_decoding(audio_dir):
    # tf.audio.decode_wav scales 16-bit PCM by 1 / 32768.
    with wave.open(str(audio_dir / "cat" / "0.wav")) as f:
        raw = np.frombuffer(f.readframes(f.getnframes()), "<i2")
    ds = utils.audio_dataset_from_directory(
        audio_dir, batch_size=None, shuffle=False, label_mode=None,
        verbose=False)
    np.testing.assert_allclose(ds[0][:, 0].cpu().numpy(), raw / 32768.0)


def test_audio_dataset_checks_arguments(audio_dir):
    with pytest.raises(ValueError, match="ragged"):
        utils.audio_dataset_from_directory(
            audio_dir, ragged=True, output_sequence_length=3)
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.audio_dataset_from_directory(audio_dir, sampling_rate=1.5)
