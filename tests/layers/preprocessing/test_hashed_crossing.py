import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers import HashedCrossing
from lamina.layers.preprocessing._string_hash import fingerprint64

# Keras's HashedCrossing wraps `tf.sparse.cross_hashed` and needs TensorFlow
# (not installed here), so its bins come from Keras's own documentation and
# tests: crossing these two features into 5 bins gives [1, 4, 1, 1, 3].
FEAT_1 = ["A", "B", "A", "B", "A"]
FEAT_2 = [101, 101, 101, 102, 102]
KERAS_BINS = [1, 4, 1, 1, 3]
KERAS_ONE_HOT = [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 0, 0],
                 [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]]

_MASK = (1 << 64) - 1


def _reference_bin(values, num_bins):
    """TensorFlow's HashCrosser, one row at a time on Python integers:
    start from the key 0xDECAFCAFFE and chain `FingerprintCat64` over the
    features (a string's Fingerprint64, an integer's 64-bit pattern)."""
    def shift_mix(v):
        return v ^ (v >> 47)

    mul = 0xC6A4A7935BD1E995
    hashed = 0xDECAFCAFFE
    for value in values:
        h = fingerprint64(value.encode()) if isinstance(value, str) \
            else value & _MASK
        result = hashed ^ mul
        result ^= (shift_mix((h * mul) & _MASK) * mul) & _MASK
        result = (result * mul) & _MASK
        result = (shift_mix(result) * mul) & _MASK
        hashed = shift_mix(result)
    return hashed % num_bins


@pytest.mark.parametrize("as_type", ["list", "numpy", "column", "bytes"])
def test_bins_equal_keras(as_type):
    feat_1, feat_2 = FEAT_1, FEAT_2
    if as_type == "numpy":
        feat_1, feat_2 = np.array(FEAT_1), torch.tensor(FEAT_2)
    elif as_type == "column":
        feat_1 = np.array(FEAT_1)[:, None]
        feat_2 = np.array(FEAT_2, dtype="int32")[:, None]
    elif as_type == "bytes":
        feat_1 = np.array([s.encode() for s in FEAT_1], dtype=object)
    out = HashedCrossing(num_bins=5)((feat_1, feat_2))
    assert out.dtype == torch.int64
    expected = np.array(KERAS_BINS)
    if as_type == "column":
        expected = expected[:, None]
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


def test_raw_hash_equals_tensorflow_kernel_test():
    # TensorFlow's sparse_cross_op_test pins the unbucketed hash of this
    # cross (num_buckets=0 takes it modulo the largest int64).
    layer = HashedCrossing(num_bins=2**63 - 1)
    out = layer(([["batch1-FC1-F1"]], [["batch1-FC2-F1"]],
                 [["batch1-FC3-F1"]]))
    assert out.item() == 1971693436396284976


def test_one_hot_equals_keras():
    for feat_2 in (FEAT_2, np.array(FEAT_2)[:, None]):
        feat_1 = FEAT_1 if isinstance(feat_2, list) else \
            np.array(FEAT_1)[:, None]
        out = HashedCrossing(num_bins=5, output_mode="one_hot")(
            (feat_1, feat_2))
        assert out.dtype == torch.float32
        np.testing.assert_array_equal(out.cpu().numpy(), KERAS_ONE_HOT)


def test_scalar_inputs():
    assert HashedCrossing(num_bins=5)(("A", 101)).item() == 1
    one_hot = HashedCrossing(num_bins=5, output_mode="one_hot")(("A", 101))
    np.testing.assert_array_equal(one_hot.cpu().numpy(), [KERAS_ONE_HOT[0]])


def test_many_features_and_negative_ints_match_the_reference_hash():
    rng = np.random.default_rng(0)
    words = np.array(["cat", "", "a fairly long string " * 4, "é"])
    columns = [rng.choice(words, 40), rng.integers(-10**12, 10**12, 40),
               rng.integers(-5, 5, 40).astype("int32")]
    out = HashedCrossing(num_bins=97)(columns).cpu().numpy()
    expected = [_reference_bin([c[i].item() for c in columns], 97)
                for i in range(40)]
    np.testing.assert_array_equal(out, expected)
    # The order of the crossed features matters, as in TensorFlow.
    swapped = HashedCrossing(num_bins=97)(columns[::-1]).cpu().numpy()
    assert (swapped != out).any()


def test_dtypes():
    pair = ([1], [1])
    assert HashedCrossing(num_bins=2, dtype="int32")(pair).dtype == \
        torch.int32
    assert HashedCrossing(num_bins=2, output_mode="one_hot",
                          dtype="float64")(pair).dtype == torch.float64


def test_mixed_policy_returns_the_variable_dtype():
    # Keras encodes in the compute dtype and returns `self.dtype`.
    pair = ([1, 2], [3, 4])
    for mode in ("int", "one_hot"):
        layer = HashedCrossing(num_bins=4, output_mode=mode,
                               dtype="mixed_float16")
        assert layer(pair).dtype == torch.float32
        symbolic = layer([lamina.Input((1,), dtype="int64")] * 2)
        assert symbolic.dtype == "float32"
    np.testing.assert_array_equal(
        HashedCrossing(num_bins=4, dtype="mixed_float16")(pair).cpu().numpy(),
        HashedCrossing(num_bins=4)(pair).cpu().numpy())


def test_symbolic_and_in_a_model():
    a = lamina.Input(shape=(1,), dtype="int64")
    b = lamina.Input(shape=(1,), dtype="int32")
    crossed = HashedCrossing(num_bins=5, output_mode="one_hot")([a, b])
    assert crossed.shape == (None, 5) and crossed.dtype == "float32"
    model = lamina.Model([a, b], lamina.layers.Dense(2)(crossed))
    x = [np.array([[1], [2]]), np.array([[4], [5]], dtype="int32")]
    eager = HashedCrossing(num_bins=5, output_mode="one_hot")(x)
    torch.testing.assert_close(model(x), model.layers[-1](eager))


def test_layer_harness():
    run_layer_test(HashedCrossing, {"num_bins": 3},
                   input_data=[np.array([1, 2]), np.array([4, 5])],
                   expected_output_shape=(2,))
    run_layer_test(HashedCrossing, {"num_bins": 4, "output_mode": "one_hot"},
                   input_data=[np.array([[1], [2]]), np.array([[4], [5]])],
                   expected_output_shape=(2, 4))


def test_config_is_keras_s():
    config = HashedCrossing(num_bins=4, output_mode="one_hot",
                            name="cross").get_config()
    assert config == {"num_bins": 4, "output_mode": "one_hot",
                      "sparse": False, "name": "cross", "dtype": "float32"}


def test_bad_input():
    layer = HashedCrossing(num_bins=10)
    with pytest.raises(ValueError, match="should be called on a list"):
        layer(np.array([1]))
    with pytest.raises(ValueError, match="at least two inputs"):
        layer([np.array([1])])
    with pytest.raises(ValueError, match="inputs should have shape"):
        layer((np.array([[[1]]]), np.array([[[1]]])))
    with pytest.raises(ValueError, match="inputs should have shape"):
        layer((np.array([[1, 2]]), np.array([[1, 2]])))
    with pytest.raises(ValueError, match="equal shape"):
        layer((np.array([1, 2]), np.array([1])))
    with pytest.raises(ValueError, match="integer or string"):
        layer((np.array([1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match="integer or string"):
        layer((lamina.Input((1,)), lamina.Input((1,), dtype="int64")))
    with pytest.raises(ValueError, match="TensorFlow backend"):
        HashedCrossing(num_bins=2, output_mode="one_hot", sparse=True)
    with pytest.raises(ValueError, match="output_mode"):
        HashedCrossing(num_bins=2, output_mode="multi_hot")
    with pytest.raises(ValueError, match="num_bins"):
        HashedCrossing(num_bins=0)
