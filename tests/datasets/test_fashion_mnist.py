import numpy as np

from lamina.datasets import fashion_mnist


def test_shapes_dtypes_and_sanity_values(loaded):
    (x_train, y_train), (x_test, y_test) = loaded(fashion_mnist)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    np.testing.assert_array_equal(y_train[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    assert x_train.max() == 255 and x_train.min() == 0


def test_arrays_are_writable(loaded):
    (x_train, _), _ = loaded(fashion_mnist)
    assert x_train.flags.writeable


def test_reads_the_fashion_mnist_subfolder(seeded_home):
    # The cache layout Keras uses: datasets/fashion-mnist/<file>.gz
    assert (seeded_home / "datasets" / "fashion-mnist"
            / "train-images-idx3-ubyte.gz").exists()
    assert set(fashion_mnist._FILE_HASHES) == {
        p.name for p in (seeded_home / "datasets" / "fashion-mnist").iterdir()
    }
