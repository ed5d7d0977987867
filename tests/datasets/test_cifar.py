import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from lamina import config
from lamina.datasets import cifar10
from lamina.datasets import cifar100


def add_pickle(tar, name, obj, protocol):
    payload = pickle.dumps(obj, protocol=protocol)
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


def batch(rng, n, label_keys, num_classes):
    out = {
        b"batch_label": b"synthetic batch",
        b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(n)],
    }
    for key in label_keys:
        out[key] = [int(v) for v in rng.integers(0, num_classes, size=n)]
    return out


@pytest.fixture
def channels_first():
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    yield
    config.set_image_data_format(previous)


@pytest.fixture
def cifar10_archive(empty_home, pin_hash):
    """A tiny cifar-10-python.tar.gz: 5 train batches of 4, a test of 3."""
    rng = np.random.default_rng(0)
    batches = {f"data_batch_{i}": batch(rng, 4, [b"labels"], 10)
               for i in range(1, 6)}
    batches["test_batch"] = batch(rng, 3, [b"labels"], 10)
    path = empty_home / "cifar-10-batches-py-target_archive"
    with tarfile.open(path, "w:gz") as tar:
        for name, content in batches.items():
            # Protocol 2, like the Python 2 pickles of the real dataset.
            add_pickle(tar, f"cifar-10-batches-py/{name}", content, 2)
        add_pickle(tar, "cifar-10-batches-py/batches.meta",
                   {b"label_names": [b"airplane"]}, 2)
    pin_hash(cifar10, path)
    return batches


def expected_images(batches, names):
    data = np.concatenate([batches[n][b"data"] for n in names])
    return data.reshape(-1, 3, 32, 32)


def test_cifar10_layout_channels_last(cifar10_archive, empty_home):
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    train_names = [f"data_batch_{i}" for i in range(1, 6)]
    assert x_train.shape == (20, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3) and x_test.dtype == np.uint8
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8
    assert y_test.shape == (3, 1) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(
        x_train,
        expected_images(cifar10_archive, train_names).transpose(0, 2, 3, 1),
    )
    np.testing.assert_array_equal(
        y_train[:, 0],
        sum((cifar10_archive[n][b"labels"] for n in train_names), []),
    )
    np.testing.assert_array_equal(
        y_test[:, 0], cifar10_archive["test_batch"][b"labels"]
    )
    assert (empty_home / "cifar-10-batches-py-target"
            / "cifar-10-batches-py" / "test_batch").is_file()


def test_cifar10_channels_first(cifar10_archive, channels_first):
    (x_train, _), (x_test, _) = cifar10.load_data()
    assert x_train.shape == (20, 3, 32, 32) and x_test.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(
        x_test, expected_images(cifar10_archive, ["test_batch"])
    )


def test_cifar10_extracts_once(cifar10_archive, empty_home):
    cifar10.load_data()
    marker = empty_home / "cifar-10-batches-py-target" / "marker"
    marker.write_text("kept")
    cifar10.load_data()
    assert marker.exists()


def test_cifar10_refuses_code_in_batches(empty_home, pin_hash):
    path = empty_home / "cifar-10-batches-py-target_archive"
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            add_pickle(tar, f"cifar-10-batches-py/{name}",
                       {b"data": _Gadget(), b"labels": []}, 2)
    pin_hash(cifar10, path)
    with pytest.raises(pickle.UnpicklingError, match="getcwd"):
        cifar10.load_data()


class _Gadget:
    def __reduce__(self):
        return (os.getcwd, ())


@pytest.fixture
def cifar100_archive(empty_home, pin_hash, tmp_path):
    rng = np.random.default_rng(1)
    keys = [b"fine_labels", b"coarse_labels"]
    batches = {"train": batch(rng, 6, keys, 100),
               "test": batch(rng, 4, keys, 20)}
    path = empty_home / "cifar-100-python-target_archive"
    with tarfile.open(path, "w:gz") as tar:
        for name, content in batches.items():
            add_pickle(tar, f"cifar-100-python/{name}", content, 4)
    pin_hash(cifar100, path)
    return path


def test_cifar100_matches_keras(cifar100_archive, empty_home, keras_ref,
                                monkeypatch):
    from keras.src.datasets import cifar100 as keras_cifar100

    extracted = str(empty_home / "cifar-100-python-target")
    monkeypatch.setattr(keras_cifar100, "get_file", lambda *a, **k: extracted)
    for label_mode in ("fine", "coarse"):
        actual = cifar100.load_data(label_mode=label_mode)
        expected = keras_cifar100.load_data(label_mode=label_mode)
        assert actual[0][0].shape == (6, 32, 32, 3)
        assert actual[1][1].shape == (4, 1)
        for got_split, want_split in zip(actual, expected):
            for got, want in zip(got_split, want_split):
                np.testing.assert_array_equal(got, want)
                assert got.dtype == want.dtype


def test_cifar100_bad_label_mode():
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")
