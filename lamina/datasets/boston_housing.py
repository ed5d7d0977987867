"""Boston housing price regression dataset."""

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.datasets._common import check_test_split
from lamina.datasets._common import shuffle_and_split
from lamina.utils.file_utils import get_file

_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset (StatLib, late-1970s Boston suburbs).

    506 samples of 13 attributes; targets are median home values in k$.
    The data carries a known ethical problem (its "B" attribute) and is best
    kept for illustrating such issues; `california_housing` replaces it.

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).
        test_split: Fraction of the samples kept for the test set.
        seed: Seed of the shuffle that precedes the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `float64` arrays of shapes
        `(404, 13)`, `(404,)`, `(102, 13)` and `(102,)` by default.
    """
    check_test_split(test_split)
    path = get_file(
        path, origin=f"{ORIGIN_FOLDER}boston_housing.npz", file_hash=_FILE_HASH
    )
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffle_and_split(x, y, test_split, seed)
