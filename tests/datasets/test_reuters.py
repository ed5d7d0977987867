import json

import numpy as np
import pytest

from lamina.datasets import reuters

PARAMS = [
    {},
    {"num_words": 20, "skip_top": 4, "test_split": 0.3},
    {"maxlen": 9, "seed": 5},
    {"start_char": None, "index_from": 0},
    {"oov_char": None, "num_words": 15, "test_split": 0.0},
]


@pytest.fixture
def reuters_file(empty_home, pin_hash, make_ragged):
    rng = np.random.default_rng(1)
    path = empty_home / "reuters.npz"
    np.savez(path, x=make_ragged(rng, 50, 12, 40),
             y=rng.integers(0, 46, size=50))
    pin_hash(reuters, path)
    return path


def test_split_and_encoding(reuters_file):
    (x_train, y_train), (x_test, y_test) = reuters.load_data()
    assert x_train.shape == (40,) and x_test.shape == (10,)
    assert y_train.shape == (40,) and y_test.shape == (10,)
    assert x_train.dtype == object and all(s[0] == 1 for s in x_train)


def test_matches_keras(reuters_file, keras_ref, monkeypatch):
    from keras.src.datasets import reuters as keras_reuters

    monkeypatch.setattr(keras_reuters, "get_file",
                        lambda *a, **k: str(reuters_file))
    for kwargs in PARAMS:
        expected = keras_reuters.load_data(**kwargs)
        actual = reuters.load_data(**kwargs)
        for (x, y), (kx, ky) in zip(actual, expected):
            assert [list(s) for s in x] == [list(s) for s in kx], kwargs
            np.testing.assert_array_equal(y, ky)
            assert y.dtype == ky.dtype
    assert reuters.get_label_names() == tuple(
        keras_reuters.get_label_names()
    )


def test_bad_test_split(reuters_file):
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(test_split=1.5)


def test_word_index_and_label_names(empty_home, pin_hash):
    path = empty_home / "reuters_word_index.json"
    path.write_text(json.dumps({"the": 1, "of": 2, "said": 5}))
    pin_hash(reuters, path, "_WORD_INDEX_HASH")
    assert reuters.get_word_index() == {"the": 1, "of": 2, "said": 5}
    names = reuters.get_label_names()
    assert len(names) == 46 and len(set(names)) == 46
    assert (names[0], names[3], names[-1]) == ("cocoa", "earn", "lead")
