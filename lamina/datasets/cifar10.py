"""CIFAR-10 small images classification dataset."""

import os

import numpy as np

from lamina import config
from lamina.datasets._common import load_cifar_batch
from lamina.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
_NUM_TRAIN_BATCHES = 5


def load_data():
    """Loads CIFAR-10: 50,000 train and 10,000 test 32x32 colour images.

    Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
    7 horse, 8 ship, 9 truck.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` arrays; images are
        `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)` (or `(N, 3, 32, 32)`
        when `image_data_format()` is `"channels_first"`), labels
        `(50000, 1)` and `(10000, 1)`.

    Example:

    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    assert x_train.shape == (50000, 32, 32, 3)
    ```
    """
    path = get_file(
        fname="cifar-10-batches-py-target",
        origin=_ORIGIN,
        extract=True,
        file_hash=_FILE_HASH,
    )
    path = os.path.join(path, "cifar-10-batches-py")
    batches = [
        load_cifar_batch(os.path.join(path, f"data_batch_{i}"))
        for i in range(1, _NUM_TRAIN_BATCHES + 1)
    ]
    x_train = np.concatenate([data for data, _ in batches]).astype(
        "uint8", copy=False
    )
    y_train = np.concatenate([labels for _, labels in batches])
    x_test, y_test = load_cifar_batch(os.path.join(path, "test_batch"))
    y_train = np.reshape(y_train, (-1, 1)).astype("uint8", copy=False)
    y_test = np.reshape(y_test, (-1, 1)).astype("uint8")
    x_test = x_test.astype("uint8", copy=False)
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
