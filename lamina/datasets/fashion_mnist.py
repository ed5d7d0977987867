"""Fashion-MNIST dataset: 28x28 grayscale images of 10 kinds of clothing."""

import gzip
import os

import numpy as np

from lamina.datasets._common import ORIGIN_FOLDER
from lamina.utils.file_utils import get_file

_FILE_HASHES = {
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
# Sizes of the IDX headers: magic + item count (+ rows + columns).
_LABELS_HEADER = 8
_IMAGES_HEADER = 16


def load_data():
    """Loads the Fashion-MNIST dataset, a drop-in replacement for MNIST.

    Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
    5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)` and `(10000,)`.

    Example:

    ```python
    (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    ```
    """
    cache_subdir = os.path.join("datasets", "fashion-mnist")
    paths = {
        fname: get_file(
            fname,
            origin=ORIGIN_FOLDER + fname,
            cache_subdir=cache_subdir,
            file_hash=file_hash,
        )
        for fname, file_hash in _FILE_HASHES.items()
    }
    splits = []
    for prefix in ("train", "t10k"):
        labels = _read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"],
                           _LABELS_HEADER)
        images = _read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"],
                           _IMAGES_HEADER)
        splits.append((images.reshape(len(labels), 28, 28), labels))
    return tuple(splits)


def _read_idx(path, header_size):
    with gzip.open(path, "rb") as f:
        # A bytearray keeps the arrays writable (torch.from_numpy-friendly).
        return np.frombuffer(bytearray(f.read()), np.uint8, offset=header_size)
