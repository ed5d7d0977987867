"""California housing price regression dataset (1990 U.S. census)."""

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.datasets._common import check_test_split
from lamina.datasets._common import shuffle_and_split
from lamina.utils.file_utils import get_file

_FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
_VERSIONS = ("large", "small")
# The small version is the first rows, sized like the Boston dataset.
_SMALL_SIZE = 600


def load_data(
    version="large", path="california_housing.npz", test_split=0.2, seed=113
):
    """Loads the California Housing dataset.

    One row per census block group, with 8 features: MedInc, HouseAge,
    AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude. The
    target is the median house value in dollars.

    Args:
        version: `"large"` (20,640 samples) or `"small"` (the first 600).
        path: File name of the cached copy (relative to `~/.keras/datasets`).
        test_split: Fraction of the samples kept for the test set.
        seed: Seed of the shuffle that precedes the split.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: arrays of shapes
        `(num_samples, 8)` and `(num_samples,)`.
    """
    if version not in _VERSIONS:
        raise ValueError(
            "Argument `version` must be one of 'small', 'large'. "
            f"Received: version={version}"
        )
    check_test_split(test_split)
    path = get_file(
        path,
        origin=f"{ORIGIN_FOLDER}california_housing.npz",
        file_hash=_FILE_HASH,
    )
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:_SMALL_SIZE], y[:_SMALL_SIZE]
    return shuffle_and_split(x, y, test_split, seed)
