"""CIFAR-100 small images classification dataset."""

import os

import numpy as np

from lamina import config
from lamina.datasets._common import load_cifar_batch
from lamina.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
_LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """Loads CIFAR-100: 50,000 train and 10,000 test 32x32 colour images.

    Each image has a fine label (100 classes) and a coarse label (20
    superclasses).

    Args:
        label_mode: `"fine"` or `"coarse"`: which labels to return.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` images of shapes
        `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)` (channels first when
        `image_data_format()` is `"channels_first"`) and int64 labels of
        shapes `(50000, 1)` and `(10000, 1)`.
    """
    if label_mode not in _LABEL_MODES:
        raise ValueError(
            '`label_mode` must be one of `"fine"`, `"coarse"`. '
            f"Received: label_mode={label_mode}."
        )
    path = get_file(
        fname="cifar-100-python-target",
        origin=_ORIGIN,
        extract=True,
        file_hash=_FILE_HASH,
    )
    path = os.path.join(path, "cifar-100-python")
    label_key = f"{label_mode}_labels"
    x_train, y_train = load_cifar_batch(os.path.join(path, "train"), label_key)
    x_test, y_test = load_cifar_batch(os.path.join(path, "test"), label_key)
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
