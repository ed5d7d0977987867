"""Reuters newswire topic classification dataset."""

import json

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.datasets._common import check_test_split
from lamina.datasets._common import encode_word_sequences
from lamina.datasets._common import load_npz
from lamina.utils.file_utils import get_file

_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
# Topic names in label order (Reuters-21578 as preprocessed for Keras).
_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal",
    "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi",
    "hog", "lead",
)


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the Reuters dataset: 11,228 newswires labeled over 46 topics.

    Newswires are lists of word indices, words ranked by frequency; 0 is
    reserved for padding. The default split gives 8,982 train and 2,246 test
    samples.

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).
        num_words: Keep only words with an index below this; others become
            `oov_char`. `None` keeps all words.
        skip_top: Also replace the words with an index below this by
            `oov_char`.
        maxlen: Drop the sequences whose length (start mark included) is
            `maxlen` or more. `None` keeps all.
        test_split: Fraction of the samples kept for the test set.
        seed: Seed of the shuffle that precedes the split.
        start_char: Index that marks the start of each sequence; `None` adds
            no mark.
        oov_char: Index that replaces the cut words; `None` drops them.
        index_from: Offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x` are 1-D object arrays of
        lists of int, `y` arrays of topic indices in [0, 45].
    """
    check_test_split(test_split)
    path = get_file(
        fname=path, origin=f"{ORIGIN_FOLDER}reuters.npz", file_hash=_FILE_HASH
    )
    arrays = load_npz(path)
    xs, labels = arrays["x"], arrays["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    (xs,), (labels,) = encode_word_sequences(
        [xs[indices]], [labels[indices]], num_words, skip_top, maxlen,
        start_char, oov_char, index_from,
    )
    cut = int(len(xs) * (1 - test_split))
    return (xs[:cut], labels[:cut]), (xs[cut:], labels[cut:])


def get_word_index(path="reuters_word_index.json"):
    """Returns the dict mapping each Reuters word to its index.

    Indices in the data are these plus `index_from` (3 by default): index 0
    is padding, 1 the start mark, 2 out-of-vocabulary.

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).
    """
    path = get_file(
        path,
        origin=f"{ORIGIN_FOLDER}reuters_word_index.json",
        file_hash=_WORD_INDEX_HASH,
    )
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """Returns the 46 topic names; position `i` names label `i`."""
    return _LABEL_NAMES
