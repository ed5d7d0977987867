import numpy as np
import pytest

from lamina.datasets import boston_housing


def test_shapes_and_first_targets(loaded):
    (x_train, y_train), (x_test, y_test) = loaded(boston_housing)
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.shape == (404,) and y_test.shape == (102,)
    assert x_train.dtype == np.float64 and y_train.dtype == np.float64
    np.testing.assert_array_equal(y_train[:5], [15.2, 42.3, 50.0, 21.1, 17.7])
    all_y = np.concatenate([y_train, y_test])
    assert all_y.min() == 5.0 and all_y.max() == 50.0


def test_matches_keras(seeded_home, keras_ref, monkeypatch):
    from keras.src.datasets import boston_housing as keras_boston

    path = str(seeded_home / "datasets" / "boston_housing.npz")
    monkeypatch.setattr(keras_boston, "get_file", lambda *a, **k: path)
    for kwargs in [{}, {"test_split": 0.0}, {"test_split": 0.33, "seed": 7}]:
        expected = keras_boston.load_data(**kwargs)
        actual = boston_housing.load_data(**kwargs)
        for got_split, want_split in zip(actual, expected):
            for got, want in zip(got_split, want_split):
                np.testing.assert_array_equal(got, want)
                assert got.dtype == want.dtype


@pytest.mark.parametrize("test_split", [1.0, -0.1, 2])
def test_bad_test_split(seeded_home, test_split):
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=test_split)
