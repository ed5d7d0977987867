import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import Hashing
from lamina.layers.preprocessing._string_hash import fingerprint64
from lamina.layers.preprocessing._string_hash import siphash24

WORDS = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]

# Bins produced by Keras 3 (TensorFlow's to_hash_bucket_fast/strong), from
# Keras's own Hashing tests; Keras's Hashing needs TensorFlow to run.
KERAS_CASES = [
    ({"num_bins": 3}, [["A"], ["B"], ["C"], ["D"], ["E"]],
     [[1], [0], [1], [1], [2]]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]],
     [[1], [1], [0], [2], [2]]),
    ({"num_bins": 3, "salt": [133, 137]}, [["A"], ["B"], ["C"], ["D"],
                                           ["E"]],
     [[1], [2], [1], [0], [2]]),
    ({"num_bins": 3, "salt": 133}, [["A"], ["B"], ["C"], ["D"], ["E"]],
     [[0], [0], [2], [1], [0]]),
    ({"num_bins": 2}, WORDS, [[0], [0], [1], [0], [0]]),
    ({"num_bins": 3, "mask_value": ""}, WORDS, [[1], [1], [2], [1], [1]]),
    ({"num_bins": 3, "mask_value": "omar"}, WORDS,
     [[0], [1], [2], [1], [1]]),
    ({"num_bins": 2, "salt": [133, 137]}, WORDS, [[0], [1], [0], [1], [0]]),
    ({"num_bins": 2, "salt": [211, 137]}, WORDS, [[1], [0], [1], [0], [1]]),
    ({"num_bins": 3}, np.array([[0], [1], [2], [3], [4]]),
     [[1], [0], [1], [0], [2]]),
    ({"num_bins": 3, "salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]),
     [[1], [1], [2], [0], [1]]),
    ({"num_bins": 1}, np.array([["A"], ["B"], ["C"]]), [[0], [0], [0]]),
    ({"num_bins": 2}, [[1, 2], [2, 3], [3, 4]], [[1, 1], [1, 1], [1, 1]]),
]


@pytest.mark.parametrize("kwargs,inputs,expected", KERAS_CASES)
def test_bins_equal_keras(kwargs, inputs, expected):
    out = Hashing(**kwargs)(inputs)
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


@pytest.mark.parametrize("text,expected", [
    ("", 0x9AE16A3B2F90404F), ("hello", 0xB48BE5A931380CE8),
    ("c" * 17, 0x89C756299BF4324A), ("b" * 33, 0x1C3E674E34CCD826),
    ("The quick brown fox jumps over the lazy dog", 0xABBE83F33B1B5134),
    ("a" * 70, 0xEB81D101A8898218), ("x" * 200, 0xC1713BF9D998A3BF),
])
def test_fingerprint64_reference_values(text, expected):
    # Values of farmhash::Fingerprint64 (the C++ library), for every
    # length branch of the algorithm.
    assert fingerprint64(text.encode()) == expected


def test_siphash_reference_vector_and_inputs_of_every_kind():
    # The SipHash-2-4 paper's test vector (key 00..0f, message 00..0e).
    assert siphash24([0x0706050403020100, 0x0F0E0D0C0B0A0908],
                     bytes(range(15))) == 0xA129CA6149BE45E5
    layer = Hashing(num_bins=7)
    words = np.array([["a" * 70], ["b" * 33], ["c" * 17]])
    np.testing.assert_array_equal(layer(words).cpu().numpy(),
                                  layer([[w[0].encode()] for w in words]))
    ints = np.array([[3], [14], [159]])
    np.testing.assert_array_equal(layer(ints).cpu().numpy(),
                                  layer(torch.tensor(ints)).cpu().numpy())
    np.testing.assert_array_equal(layer(ints).cpu().numpy(),
                                  layer(ints.astype("float32") + 0.4))


@pytest.mark.parametrize("mode,expected", [
    ("one_hot", [[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]),
    ("multi_hot", [[1, 1, 1]]),
    ("count", [[2, 2, 1]]),
])
def test_encoded_outputs_equal_keras(mode, expected):
    inputs = np.array([0, 1, 2, 3, 4]) if mode == "one_hot" else \
        np.array([[0, 1, 2, 3, 4]])
    out = Hashing(num_bins=3, output_mode=mode)(inputs)
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


def test_config_and_harness(keras_ref):
    layer = Hashing(num_bins=4, salt=5, mask_value=0, output_mode="int",
                    name="h")
    assert layer.get_config() == {
        "name": "h", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                  "config": {"name": "int64"}, "registered_name": None},
        "num_bins": 4, "salt": [5, 5], "mask_value": 0, "output_mode": "int",
        "sparse": False}
    run_layer_test(Hashing, {"num_bins": 5, "output_mode": "multi_hot"},
                   input_data=np.array([[1, 2], [3, 4]]),
                   expected_output_shape=(2, 5))


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_bins"):
        Hashing(num_bins=None)
    with pytest.raises(ValueError, match="num_bins"):
        Hashing(num_bins=-1)
    with pytest.raises(ValueError, match="salt"):
        Hashing(num_bins=2, salt="string")
    with pytest.raises(ValueError, match="salt"):
        Hashing(num_bins=2, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="output_mode"):
        Hashing(num_bins=3, output_mode="unsupported_mode")
    with pytest.raises(ValueError, match="dtype"):
        Hashing(num_bins=3, output_mode="int", dtype="float32")
    with pytest.raises(ValueError, match="sparse"):
        Hashing(num_bins=3, output_mode="int", sparse=True)
