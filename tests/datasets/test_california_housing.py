import numpy as np
import pytest

from lamina.datasets import california_housing


@pytest.fixture
def california_file(empty_home, pin_hash):
    rng = np.random.default_rng(0)
    path = empty_home / "california_housing.npz"
    np.savez(path, x=rng.normal(size=(1000, 8)).astype("float32"),
             y=rng.uniform(1e4, 5e5, size=1000).astype("float32"))
    pin_hash(california_housing, path)
    return path


def test_large_and_small_versions(california_file):
    (x_train, y_train), (x_test, y_test) = california_housing.load_data()
    assert x_train.shape == (800, 8) and x_test.shape == (200, 8)
    assert y_train.shape == (800,) and y_test.shape == (200,)
    (x_train, _), (x_test, _) = california_housing.load_data(version="small")
    assert x_train.shape == (480, 8) and x_test.shape == (120, 8)
    with np.load(california_file) as f:
        first_rows = f["x"][:600]
    # The small version is a shuffle of the first 600 rows.
    np.testing.assert_array_equal(
        np.sort(np.concatenate([x_train, x_test]), axis=0),
        np.sort(first_rows, axis=0),
    )


def test_matches_keras(california_file, keras_ref, monkeypatch):
    from keras.src.datasets import california_housing as keras_california

    monkeypatch.setattr(keras_california, "get_file",
                        lambda *a, **k: str(california_file))
    for kwargs in [{}, {"version": "small"},
                   {"version": "small", "test_split": 0.5, "seed": 3}]:
        expected = keras_california.load_data(**kwargs)
        actual = california_housing.load_data(**kwargs)
        for got_split, want_split in zip(actual, expected):
            for got, want in zip(got_split, want_split):
                np.testing.assert_array_equal(got, want)
                assert got.dtype == want.dtype


def test_bad_arguments(california_file):
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")
    with pytest.raises(ValueError, match="test_split"):
        california_housing.load_data(test_split=1)


def test_wrong_file_is_rejected_without_network(empty_home):
    np.savez(empty_home / "california_housing.npz", x=np.zeros((3, 8)),
             y=np.zeros(3))
    with pytest.raises(OSError, match="hash"):
        california_housing.load_data()
