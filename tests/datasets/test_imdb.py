import os
import pickle

import numpy as np
import pytest

from lamina.datasets import imdb

PARAMS = [
    {},
    {"num_words": 20, "skip_top": 4},
    {"maxlen": 9, "seed": 5},
    {"start_char": None, "index_from": 0},
    {"start_char": None, "index_from": 2, "oov_char": None, "num_words": 15},
    {"oov_char": None, "skip_top": 6},
]


@pytest.fixture
def imdb_file(empty_home, pin_hash, make_ragged):
    rng = np.random.default_rng(0)
    path = empty_home / "imdb.npz"
    np.savez(
        path,
        x_train=make_ragged(rng, 40, 12, 30),
        y_train=rng.integers(0, 2, size=40),
        x_test=make_ragged(rng, 30, 12, 30),
        y_test=rng.integers(0, 2, size=30),
    )
    pin_hash(imdb, path)
    return path


def as_lists(x):
    return [list(s) for s in x]


def test_default_encoding(imdb_file):
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    assert x_train.shape == (40,) and x_test.shape == (30,)
    assert x_train.dtype == object and isinstance(x_train[0], list)
    assert y_train.shape == (40,) and y_test.shape == (30,)
    assert all(s[0] == 1 for s in x_train)
    # Raw word ids start at 1, so shifted ids start at 1 + index_from; the
    # largest id becomes oov_char=2, as in Keras.
    words = np.concatenate([s[1:] for s in x_train])
    assert np.all((words >= 4) | (words == 2))
    with np.load(imdb_file, allow_pickle=True) as f:
        raw_lengths = sorted(len(s) + 1 for s in f["x_train"])
    assert sorted(len(s) for s in x_train) == raw_lengths


def test_matches_keras(imdb_file, keras_ref, monkeypatch):
    from keras.src.datasets import imdb as keras_imdb

    monkeypatch.setattr(keras_imdb, "get_file",
                        lambda *a, **k: str(imdb_file))
    for kwargs in PARAMS:
        expected = keras_imdb.load_data(**kwargs)
        actual = imdb.load_data(**kwargs)
        for (x, y), (kx, ky) in zip(actual, expected):
            assert as_lists(x) == as_lists(kx), kwargs
            np.testing.assert_array_equal(y, ky)
            assert y.dtype == ky.dtype


def test_num_words_bounds_indices(imdb_file):
    (x_train, _), (x_test, _) = imdb.load_data(num_words=10)
    words = np.concatenate([np.concatenate(x_train), np.concatenate(x_test)])
    assert words.max() <= 9


def test_maxlen_too_small(imdb_file):
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=1)


def test_legacy_and_unknown_kwargs(imdb_file):
    with pytest.warns(UserWarning, match="num_words"):
        (x_train, _), _ = imdb.load_data(nb_words=10)
    assert max(max(s) for s in x_train) <= 9
    with pytest.raises(TypeError, match="num_wrds"):
        imdb.load_data(num_wrds=10)


class _Gadget:
    def __reduce__(self):
        return (os.getcwd, ())


def test_refuses_code_in_pickled_arrays(empty_home, pin_hash):
    path = empty_home / "imdb.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = _Gadget()
    np.savez(path, x_train=evil, y_train=np.zeros(1), x_test=evil,
             y_test=np.zeros(1))
    pin_hash(imdb, path)
    with pytest.raises(pickle.UnpicklingError, match="getcwd"):
        imdb.load_data()


def test_get_word_index(seeded_home):
    word_index = imdb.get_word_index()
    assert len(word_index) == 88584
    assert word_index["the"] == 1
    assert max(word_index.values()) == 88584
