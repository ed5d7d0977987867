import numpy as np
import pytest

from lamina.utils.sequence_utils import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6], [], [7, 8, 9, 10, 11]]


def test_matches_keras(keras_ref):
    cases = [
        (SEQUENCES, {}),
        (SEQUENCES, {"padding": "post"}),
        (SEQUENCES, {"maxlen": 3}),
        (SEQUENCES, {"maxlen": 3, "truncating": "post"}),
        (SEQUENCES, {"maxlen": 3, "padding": "post", "truncating": "post"}),
        (SEQUENCES, {"maxlen": 7, "value": -1}),
        (SEQUENCES, {"dtype": "float32", "value": 0.5}),
        (SEQUENCES, {"dtype": "int64"}),
        ([[0.5, 1.5], [2.7]], {}),  # floats cast to int32
        ([np.array([1, 2]), np.array([3])], {"padding": "post"}),
        ((np.arange(3), np.arange(5)), {"maxlen": 4}),
        ([[[1, 2], [3, 4]], [[5, 6]]], {}),  # steps with a shape
        ([[[1, 2], [3, 4]], [], [[5, 6]]], {"padding": "post", "value": 9}),
        ([["a", "b"], ["c"]], {"dtype": object, "value": "<pad>"}),
        ([["ab", "cd"], ["ef"]], {"dtype": "<U5", "value": "_"}),
        ([[b"x"], [b"y", b"z"]], {"dtype": "S1", "value": b"-"}),
        ([], {"maxlen": 3}),
    ]
    for sequences, kwargs in cases:
        got = pad_sequences(sequences, **kwargs)
        want = keras_ref.utils.pad_sequences(sequences, **kwargs)
        assert got.dtype == want.dtype, kwargs
        assert got.shape == want.shape, kwargs
        np.testing.assert_array_equal(got, want)


def test_same_errors_as_keras(keras_ref):
    cases = [
        (SEQUENCES, {"padding": "middle"}),
        (SEQUENCES, {"truncating": "middle"}),
        (SEQUENCES, {"truncating": "bad", "padding": "bad"}),
        ([[1], 5], {}),
        (5, {}),
        ([["a"]], {"value": "<pad>"}),
        ([[[1, 2]], [[1, 2, 3]]], {}),
    ]
    for sequences, kwargs in cases:
        with pytest.raises(ValueError) as want:
            keras_ref.utils.pad_sequences(sequences, **kwargs)
        with pytest.raises(ValueError) as got:
            pad_sequences(sequences, **kwargs)
        assert str(got.value) == str(want.value)


def test_messages():
    with pytest.raises(ValueError, match='Padding type "middle" not'):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match='Truncating type "x" not'):
        pad_sequences([[1]], truncating="x")
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], maxlen=-1)


def test_edge_cases():
    # Bad options are caught even when every sequence is empty.
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[], []], padding="middle")
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    assert pad_sequences([]).shape == (0, 0)
    out = pad_sequences([[1, 2, 3]], maxlen=2)
    assert out.tolist() == [[2, 3]] and out.dtype == np.int32
