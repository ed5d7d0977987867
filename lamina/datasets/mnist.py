"""MNIST handwritten digits dataset."""

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.utils.file_utils import get_file

# Keras's file, then the same arrays rebuilt into a byte-different zip (the
# copy shipped for offline use); both hold the real MNIST.
_FILE_HASHES = (
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "564eb681eb2f7bff726037f3dfc45398f3925355cc8e6db7dc5cd1e823aeb4ea",
)


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset: 70,000 28x28 grayscale digits.

    Args:
        path: File name of the cached copy (relative to `~/.keras/datasets`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)` and `(10000,)`;
        pixels in [0, 255], labels in [0, 9].

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    ```
    """
    path = get_file(
        fname=path, origin=f"{ORIGIN_FOLDER}mnist.npz", file_hash=_FILE_HASHES
    )
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
