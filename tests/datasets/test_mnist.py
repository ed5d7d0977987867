import os
import shutil

import numpy as np
import pytest

from lamina.datasets import mnist


def test_shapes_and_dtypes(loaded):
    (x_train, y_train), (x_test, y_test) = loaded(mnist)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_sanity_values_from_readme(loaded):
    (x_train, y_train), (_, y_test) = loaded(mnist)
    np.testing.assert_array_equal(
        np.bincount(y_train),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    )
    np.testing.assert_array_equal(
        np.bincount(y_test),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    )
    np.testing.assert_array_equal(y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    # Pixel statistics from the histogram: exact and far cheaper than std().
    counts = np.bincount(x_train.ravel(), minlength=256)
    levels = np.arange(256) / 255
    mean = (counts * levels).sum() / counts.sum()
    std = np.sqrt((counts * (levels - mean) ** 2).sum() / counts.sum())
    assert round(mean, 4) == 0.1307
    assert round(std, 4) == 0.3081
    assert counts[0] > 0 and counts[255] > 0


def test_accepts_both_published_hashes():
    # Keras's own file and the offline rebuild hold the same arrays.
    assert "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1" \
        in mnist._FILE_HASHES
    assert "564eb681eb2f7bff726037f3dfc45398f3925355cc8e6db7dc5cd1e823aeb4ea" \
        in mnist._FILE_HASHES


def test_custom_cache_name(seeded_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "datasets").mkdir(parents=True)
    os.symlink(seeded_home / "datasets" / "mnist.npz",
               home / "datasets" / "digits.npz")
    monkeypatch.setenv("KERAS_HOME", str(home))
    (_, y_train), _ = mnist.load_data(path="digits.npz")
    assert y_train.shape == (60000,)


def test_corrupt_cache_without_network_fails_clearly(shared_home, empty_home):
    cached = empty_home / "mnist.npz"
    shutil.copyfile(shared_home / "datasets" / "mnist.npz", cached)
    with open(cached, "r+b") as f:
        f.seek(1000)
        f.write(b"corrupted")
    before = cached.read_bytes()
    with pytest.raises(OSError, match="cached copy.*URL fetch failure"):
        mnist.load_data()
    # The stale file is kept: a failed refresh destroys nothing.
    assert cached.read_bytes() == before


def test_path_must_be_a_file_name(seeded_home):
    with pytest.raises(ValueError, match="fname"):
        mnist.load_data(path="/tmp/mnist.npz")
