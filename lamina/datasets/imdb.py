"""IMDB movie-review sentiment classification dataset."""

import json
import warnings

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.datasets._common import encode_word_sequences
from lamina.datasets._common import load_npz
from lamina.utils.file_utils import get_file

_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Loads the IMDB dataset: 25,000 train and 25,000 test movie reviews.

    Reviews are lists of word indices, words ranked by frequency (index 3 is
    the 3rd most frequent word once shifted by `index_from`); 0 is reserved
    for padding. Labels are 1 (positive) or 0 (negative).

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).
        num_words: Keep only words with an index below this; others become
            `oov_char`. `None` keeps all words.
        skip_top: Also replace the words with an index below this by
            `oov_char` (the most frequent ones).
        maxlen: Drop the sequences whose length (start mark included) is
            `maxlen` or more. `None` keeps all.
        seed: Seed of the shuffle of each split.
        start_char: Index that marks the start of each sequence; `None` adds
            no mark.
        oov_char: Index that replaces the cut words; `None` drops them.
        index_from: Offset added to every word index.
        **kwargs: Only the Keras 1 spelling `nb_words` (for `num_words`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x` are 1-D object arrays of
        lists of int, `y` arrays of 0/1 labels.
    """
    if "nb_words" in kwargs:
        warnings.warn(
            "The `nb_words` argument in `load_data` has been renamed "
            "`num_words`.",
            stacklevel=2,
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    path = get_file(
        fname=path, origin=f"{ORIGIN_FOLDER}imdb.npz", file_hash=_FILE_HASH
    )
    arrays = load_npz(path)
    rng = np.random.RandomState(seed)
    parts, labels = [], []
    # One generator, train first: the same permutations as Keras.
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        indices = np.arange(len(x))
        rng.shuffle(indices)
        parts.append(x[indices])
        labels.append(y[indices])
    (x_train, x_test), (y_train, y_test) = encode_word_sequences(
        parts, labels, num_words, skip_top, maxlen, start_char, oov_char,
        index_from,
    )
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="imdb_word_index.json"):
    """Returns the dict mapping each IMDB word to its index.

    Indices in the data are these plus `index_from` (3 by default).

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).
    """
    path = get_file(
        fname=path,
        origin=f"{ORIGIN_FOLDER}imdb_word_index.json",
        file_hash=_WORD_INDEX_HASH,
    )
    with open(path) as f:
        return json.load(f)
