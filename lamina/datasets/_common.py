"""Helpers shared by the dataset loaders.

Covers the train/test split of the regression sets, safe reading of the
pickled parts of the IMDB/Reuters `.npz` files and the CIFAR batches, and the
word-index encoding of IMDB and Reuters, done on flat NumPy arrays rather
than word by word.
"""

import io
import itertools
import pickle
import zipfile

import numpy as np

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# Rebuilding a pickled NumPy array needs these globals and nothing else; any
# other global in a dataset file means it is corrupt or malicious.
_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        # Protocol-2 pickles written by Python 3 spell bytes this way.
        ("_codecs", "encode"),
    }
)


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that can only rebuild NumPy arrays and plain data."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a dataset file: only "
            "NumPy arrays and plain Python data are expected. The file may "
            "be corrupt or malicious; delete it and download it again."
        )


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(
            "Invalid value for argument `test_split`. Expected a float in "
            f"[0, 1). Received: test_split={test_split}"
        )


def shuffle_and_split(x, y, test_split, seed):
    """Shuffles rows with `RandomState(seed)` and splits off the test rows.

    The permutation comes from NumPy's legacy generator so that the split is
    identical to Keras's for the same seed.
    """
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def load_npz(path):
    """Reads every array of an `.npz`, unpickling object arrays safely."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as f:
                    buffer = io.BytesIO(f.read())
                arrays[member[: -len(".npy")]] = _read_npy(buffer)
    return arrays


def _read_npy(f):
    version = np.lib.format.read_magic(f)
    # Header 3.0 differs from 2.0 only in its text encoding.
    if version[0] == 1:
        _, _, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        _, _, dtype = np.lib.format.read_array_header_2_0(f)
    if dtype.hasobject:
        return _ArrayUnpickler(f).load()
    f.seek(0)
    return np.lib.format.read_array(f, allow_pickle=False)


def load_cifar_batch(fpath, label_key="labels"):
    """Reads one CIFAR batch file: `(data (n, 3, 32, 32), labels list)`.

    CIFAR batches are the dataset's own format: Python 2 pickles of dicts
    with bytes keys (`b"data"`, `b"labels"`, ...).
    """
    with open(fpath, "rb") as f:
        batch = _ArrayUnpickler(f, encoding="bytes").load()
    batch = {
        key.decode("utf8") if isinstance(key, bytes) else key: value
        for key, value in batch.items()
    }
    if "data" not in batch or label_key not in batch:
        raise ValueError(
            f"The CIFAR batch {fpath} is missing 'data' or '{label_key}'. "
            f"Found keys: {sorted(batch)}"
        )
    data = np.asarray(batch["data"])
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


class Sequences:
    """Ragged integer sequences as one flat array plus their lengths."""

    def __init__(self, flat, lengths):
        self.flat = flat
        self.lengths = lengths

    @classmethod
    def from_lists(cls, sequences):
        lengths = np.fromiter(
            (len(s) for s in sequences), dtype=np.int64, count=len(sequences)
        )
        flat = np.fromiter(
            itertools.chain.from_iterable(sequences),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        return cls(flat, lengths)

    def __len__(self):
        return len(self.lengths)

    def _segment_ids(self):
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    def add_markers(self, start_char, index_from):
        """Shifts word indices by `index_from`, prefixes `start_char`."""
        if start_char is not None:
            lengths = self.lengths + 1
            is_start = np.zeros(int(lengths.sum()), dtype=bool)
            is_start[np.cumsum(lengths) - lengths] = True
            flat = np.empty(len(is_start), dtype=np.int64)
            flat[is_start] = start_char
            flat[~is_start] = self.flat + index_from
            return Sequences(flat, lengths)
        if index_from:
            return Sequences(self.flat + index_from, self.lengths)
        return self

    def shorter_than(self, maxlen):
        """Boolean mask of the sequences strictly shorter than `maxlen`."""
        return self.lengths < maxlen

    def select(self, mask):
        return Sequences(self.flat[mask[self._segment_ids()]],
                         self.lengths[mask])

    def limit_vocabulary(self, num_words, skip_top, oov_char):
        """Replaces (or, without `oov_char`, drops) words outside the range.

        Kept words satisfy `skip_top <= w < num_words`.
        """
        keep = (self.flat >= skip_top) & (self.flat < num_words)
        if oov_char is not None:
            return Sequences(np.where(keep, self.flat, oov_char), self.lengths)
        lengths = np.bincount(
            self._segment_ids()[keep], minlength=len(self.lengths)
        )
        return Sequences(self.flat[keep], lengths.astype(np.int64))

    def to_object_array(self):
        """A 1-D object array of Python int lists, Keras's return format."""
        out = np.empty(len(self.lengths), dtype=object)
        if not len(out):
            return out
        bounds = np.cumsum(self.lengths)[:-1]
        for i, piece in enumerate(np.split(self.flat, bounds)):
            out[i] = piece.tolist()
        return out

    @staticmethod
    def concatenate(parts):
        return Sequences(
            np.concatenate([p.flat for p in parts]),
            np.concatenate([p.lengths for p in parts]),
        )


def encode_word_sequences(
    parts, labels, num_words, skip_top, maxlen, start_char, oov_char,
    index_from,
):
    """Applies Keras's IMDB/Reuters preprocessing to shuffled splits.

    Args:
        parts: list of raw sequence collections (train, test, or just one).
        labels: list of label arrays matching `parts`.

    Returns:
        `(sequences, labels)`: lists of object arrays and label arrays.
    """
    encoded = []
    for i, raw in enumerate(parts):
        seqs = Sequences.from_lists(raw).add_markers(start_char, index_from)
        if maxlen:
            mask = seqs.shorter_than(maxlen)
            seqs, labels[i] = seqs.select(mask), labels[i][mask]
            if not len(seqs):
                raise ValueError(
                    "After filtering for sequences shorter than "
                    f"maxlen={maxlen}, no sequence was kept. Increase maxlen."
                )
        encoded.append(seqs)
    merged = Sequences.concatenate(encoded)
    if not num_words:
        if not merged.flat.size:
            raise ValueError("The dataset holds no words at all.")
        # Keras's cut is exclusive, so the largest index also becomes
        # `oov_char`; kept so that the data is identical to Keras's.
        num_words = int(merged.flat.max())
    merged = merged.limit_vocabulary(num_words, skip_top, oov_char)
    out, offset, word_offset = [], 0, 0
    for seqs in encoded:
        n = len(seqs)
        lengths = merged.lengths[offset: offset + n]
        total = int(lengths.sum())
        flat = merged.flat[word_offset: word_offset + total]
        out.append(Sequences(flat, lengths).to_object_array())
        offset, word_offset = offset + n, word_offset + total
    return out, labels
