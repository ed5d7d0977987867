"""`audio_dataset_from_directory`: batches of decoded `.wav` files and
their labels, one sub-folder per class, read with Python's `wave` module.

Indexing, shuffling and the validation split are those of
`text_dataset_from_directory` (Keras's, file for file). Samples are float32
in [-1, 1), shaped `(samples, channels)`, as `tf.audio.decode_wav` gives.
"""

import wave

import numpy as np
import torch

from lamina.utils.dataset_utils import get_training_or_validation_split
from lamina.utils.file_dataset import FileDataset
from lamina.utils.text_dataset import check_validation_split_arg
from lamina.utils.text_dataset import index_directory

ALLOWED_FORMATS = (".wav",)


def audio_dataset_from_directory(
        directory, labels="inferred", label_mode="int", class_names=None,
        batch_size=32, sampling_rate=None, output_sequence_length=None,
        ragged=False, shuffle=True, seed=None, validation_split=None,
        subset=None, follow_links=False, verbose=True):
    """Makes a `PyDataset` of `(audio, labels)` batches from `.wav` files.

    Args:
        directory: the data folder; with `labels="inferred"` it holds one
            sub-folder per class (alphanumeric order gives the labels).
        labels: `"inferred"`, None (audio only) or a list of integer labels
            in the alphanumeric order of the file paths.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None.
        class_names: explicit class folder names and order.
        batch_size: samples per batch; None yields single samples.
        sampling_rate: resample every file to this rate (linear
            interpolation; Keras uses `tensorflow-io`'s filter, so values
            differ slightly).
        output_sequence_length: pad with zeros or cut every file to this
            many samples; otherwise a batch is padded to its longest file.
        ragged: batches are lists of `(samples, channels)` tensors of their
            own lengths instead of one padded tensor.
        shuffle, seed, validation_split, subset, follow_links, verbose: as
            in `text_dataset_from_directory`.

    Returns:
        An `AudioDataset` (a `PyDataset`) with a `class_names` attribute;
        audio batches are float32 tensors `(batch, samples, channels)`.
    """
    if labels not in ("inferred", None) and not isinstance(
            labels, (list, tuple)):
        raise ValueError(
            "The `labels` argument should be a list/tuple of integer labels, "
            'of the same size as the number of audio files, "inferred" or '
            f"None. Received: labels={labels}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", '
            f'"binary", or None. Received: label_mode={label_mode}')
    if ragged and output_sequence_length is not None:
        raise ValueError(
            "Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None and (
            isinstance(sampling_rate, bool)
            or not isinstance(sampling_rate, int) or sampling_rate <= 0):
        raise ValueError(
            "`sampling_rate` should be a positive integer. "
            f"Received: sampling_rate={sampling_rate}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, formats=ALLOWED_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links,
        verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 '
            f"class_names. Received: class_names={class_names}")

    def make(subset_name, shuffle_subset):
        paths, subset_labels = get_training_or_validation_split(
            file_paths, labels, validation_split, subset_name)
        if not paths:
            raise ValueError(f"No audio files found in directory {directory}."
                             f" Allowed format(s): {ALLOWED_FORMATS}")
        return AudioDataset(
            paths, subset_labels, label_mode=label_mode,
            num_classes=len(class_names) if class_names else 0,
            batch_size=batch_size, sampling_rate=sampling_rate,
            output_sequence_length=output_sequence_length, ragged=ragged,
            shuffle=shuffle_subset, seed=seed, class_names=class_names)

    if subset == "both":
        return [make("training", shuffle), make("validation", False)]
    return make(subset, shuffle)


def read_wav(path, sampling_rate=None, output_sequence_length=None):
    """A `.wav` file's PCM samples as float32 `(samples, channels)` in
    [-1, 1), resampled and padded/cut as asked."""
    with wave.open(str(path), "rb") as f:
        width, channels = f.getsampwidth(), f.getnchannels()
        rate, raw = f.getframerate(), f.readframes(f.getnframes())
    if width == 1:  # 8-bit PCM is unsigned
        audio = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 3:
        bytes3 = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        ints = (bytes3[:, 0].astype(np.int32) | bytes3[:, 1].astype(np.int32)
                << 8 | bytes3[:, 2].astype(np.int32) << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        audio = ints.astype(np.float32) / float(1 << 23)
    elif width in (2, 4):
        dtype = np.int16 if width == 2 else np.int32
        audio = np.frombuffer(raw, dtype).astype(np.float32) / \
            float(1 << (8 * width - 1))
    else:
        raise ValueError(f"Unsupported WAV sample width of {width} bytes in "
                         f"{path}. Expected 8, 16, 24 or 32-bit PCM.")
    audio = torch.from_numpy(audio.reshape(-1, channels).copy())
    if sampling_rate is not None and sampling_rate != rate and len(audio):
        length = max(1, round(len(audio) * sampling_rate / rate))
        audio = torch.nn.functional.interpolate(
            audio.T[None], size=length, mode="linear",
            align_corners=False)[0].T.contiguous()
    if output_sequence_length is not None:
        audio = _fit_length(audio, output_sequence_length)
    return audio


def _fit_length(audio, length):
    if len(audio) >= length:
        return audio[:length]
    padding = audio.new_zeros(length - len(audio), audio.shape[1])
    return torch.cat([audio, padding])


class AudioDataset(FileDataset):
    """Batches of `(audio, labels)` (or audio only) read from `.wav` files
    (the shared arguments are `FileDataset`'s)."""

    def __init__(self, file_paths, labels=None, label_mode="int",
                 num_classes=0, batch_size=32, sampling_rate=None,
                 output_sequence_length=None, ragged=False, shuffle=False,
                 seed=None, class_names=None, **kwargs):
        self._read = dict(sampling_rate=sampling_rate,
                          output_sequence_length=output_sequence_length)
        self._ragged = ragged
        super().__init__(file_paths, labels, label_mode, num_classes,
                         batch_size, shuffle, seed, class_names, **kwargs)

    def load(self, path):
        return read_wav(path, **self._read)

    def collate(self, clips):
        if self._ragged:
            return clips
        longest = max(len(clip) for clip in clips)
        return torch.stack([_fit_length(clip, longest) for clip in clips])
