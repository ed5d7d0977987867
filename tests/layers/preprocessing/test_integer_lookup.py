"""IntegerLookup against Keras 3.15.1.

Keras's lookup layers need TensorFlow, which this environment lacks: the
expected values were produced once by Keras 3.15.1 with TensorFlow 2.21 on
the same calls. `test_parity_with_keras` reruns a sample when TensorFlow is
available.
"""

import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.preprocessing.integer_lookup import IntegerLookup

DATA = [5, 3, 3, 7, 7, 1, -1, 0, 12, 12, 12]
DOCS = np.array([[3, 7, 7, 0], [7, 5, 9, 0], [3, 3, 3, 0]])
OOV_INPUTS = np.array([1, 2, 3, 4, 5, 6, -7, 10])


def test_adapt_orders_by_count_then_value_descending():
    layer = IntegerLookup()
    layer.adapt(DATA)
    # -1 is the OOV token and leaves the counts.
    assert layer.get_vocabulary() == [-1, 12, 7, 3, 5, 1, 0]
    out = layer(np.array([[5, 3], [99, -1]]))
    assert out.dtype == torch.int64 and out.tolist() == [[4, 3], [0, 0]]
    masked = IntegerLookup(mask_token=0)
    masked.adapt(DATA)
    assert masked.get_vocabulary() == [0, -1, 12, 7, 3, 5, 1]
    assert masked(np.array([[5, 0], [99, -1]])).tolist() == [[5, 0], [1, 1]]
    assert IntegerLookup(vocabulary=[1, 2])(np.array([1.0, 2.0])).tolist() \
        == [1, 2]
    scalar = IntegerLookup(vocabulary=[4])(4)
    assert scalar.ndim == 0 and scalar.item() == 1


def test_oov_indices():
    floormod = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=3)
    assert floormod(OOV_INPUTS).tolist() == [1, 2, 0, 1, 2, 0, 2, 3]
    farm = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=3,
                         oov_method="farmhash")
    assert farm(OOV_INPUTS).tolist() == [0, 1, 0, 2, 1, 2, 2, 3]
    wide = np.array([1, 2, 3, 4, 5, 6, -7, 10, 123456789])
    salted = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=3,
                           oov_method="farmhash", salt=[3, 5])
    assert salted(wide).tolist() == [1, 1, 2, 0, 0, 1, 0, 3, 2]
    one_salt = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=3,
                             oov_method="farmhash", salt=9)
    assert one_salt(wide).tolist() == [1, 2, 1, 2, 1, 0, 2, 3, 1]
    assert one_salt.get_config()["salt"] == [9, 9]
    masked = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=2,
                           mask_token=0)
    assert masked.get_vocabulary() == [0, -1, -1, 10, 20, 30]
    assert masked(np.array([[0, 10, 11, 12], [13, 30, -1, 0]])).tolist() == \
        [[0, 3, 2, 1], [2, 5, 2, 0]]


def test_invert():
    layer = IntegerLookup(vocabulary=[10, 20, 30], invert=True)
    assert layer(np.array([0, 1, 2, 3, 4])).tolist() == [-1, 10, 20, 30, -1]
    masked = IntegerLookup(vocabulary=[10, 20, 30], invert=True, mask_token=0)
    assert masked(torch.tensor([0, 1, 2, 3, 4, 5])).tolist() == \
        [0, -1, 10, 20, 30, -1]
    forward = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    inverse = IntegerLookup(vocabulary=forward.get_vocabulary(), invert=True)
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    assert inverse(forward(data)).tolist() == [[12, 1138, 42], [42, -1, 36]]


def test_encoded_modes_match_keras():
    tf_idf = IntegerLookup(output_mode="tf_idf", mask_token=0)
    tf_idf.adapt(DOCS)
    assert tf_idf.get_vocabulary() == [-1, 3, 7, 9, 5]
    np.testing.assert_allclose(
        tf_idf.idf_weights.cpu().numpy(),
        [0.80471897, 0.6931472, 0.6931472, 0.9162908, 0.9162908], rtol=1e-6)
    query = np.array([[3, 0, 42, 7], [9, 9, 0, 0]])
    np.testing.assert_allclose(
        tf_idf(query).cpu().numpy(),
        [[0.80471897, 0.6931472, 0.6931472, 0, 0], [0, 0, 0, 1.8325815, 0]],
        rtol=1e-6)
    count = IntegerLookup(output_mode="count", mask_token=0)
    count.adapt(DOCS)
    assert count(query).tolist() == [[1, 1, 1, 0, 0], [0, 0, 0, 2, 0]]
    one_hot = IntegerLookup(output_mode="one_hot", max_tokens=4)
    one_hot.adapt(DOCS)
    assert one_hot.get_vocabulary() == [-1, 3, 7, 0]
    assert one_hot(np.array([3, 7, 9])).tolist() == \
        [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]
    padded = IntegerLookup(vocabulary=[10, 20, 30], output_mode="multi_hot",
                           pad_to_max_tokens=True, max_tokens=6)
    assert padded(np.array([[10, 30], [5, 5]])).tolist() == \
        [[0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 0, 0]]
    idf = IntegerLookup(vocabulary=[10, 20, 30], output_mode="tf_idf",
                        idf_weights=[0.5, 0.25, 1.0], pad_to_max_tokens=True,
                        max_tokens=6)
    np.testing.assert_allclose(idf.idf_weights.cpu().numpy(),
                               [0.5833333, 0.5, 0.25, 1.0, 0.0, 0.0],
                               rtol=1e-6)
    np.testing.assert_allclose(
        idf(np.array([[10, 30, 30], [5, 5, 20]])).cpu().numpy(),
        [[0, 0.5, 0, 2.0, 0, 0], [1.1666666, 0, 0.25, 0, 0, 0]], rtol=1e-6)


def test_tensor_inputs_stay_on_their_device():
    layer = IntegerLookup(vocabulary=[4, 8])
    x = torch.tensor([[8, 4, 5]], device=lamina.config.default_device())
    out = layer(x)
    assert out.device == x.device and out.tolist() == [[2, 1, 0]]


def test_vocabulary_file_and_config(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("1\n5\n9\n")
    layer = IntegerLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == [-1, 1, 5, 9]
    assert layer(np.array([5, 9, 3])).tolist() == [2, 3, 0]
    given = IntegerLookup(vocabulary=np.array([1, 2]), mask_token=0)
    config = given.get_config()
    config.pop("name")
    assert config == {
        "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                  "config": {"name": "float32"}, "registered_name": None},
        "invert": False, "max_tokens": None, "num_oov_indices": 1,
        "oov_token": -1, "mask_token": 0, "output_mode": "int",
        "sparse": False, "pad_to_max_tokens": False,
        "vocabulary_dtype": "int64", "idf_weights": None,
        "vocabulary": [1, 2], "vocabulary_size": 4, "oov_method": "floormod",
        "salt": None}
    clone = IntegerLookup.from_config(given.get_config())
    assert clone(np.array([2, 0, 7])).tolist() == [3, 0, 1]


def test_layer_harness():
    # Numeric inputs let the shared harness check the layer contract
    # (symbolic vs eager shapes, config and state_dict round trips).
    run_layer_test(
        IntegerLookup, {"vocabulary": [0, 1, 2, 3], "output_mode": "int"},
        input_data=np.array([[0, 3, 9], [2, 2, 1]]),
        expected_output_shape=(2, 3), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, run_training_check=False)
    run_layer_test(
        IntegerLookup, {"vocabulary": [0, 1, 2, 3],
                        "output_mode": "multi_hot"},
        input_data=np.array([[0, 3, 9], [2, 2, 1]]),
        expected_output_shape=(2, 5), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, run_training_check=False)


def test_in_a_model():
    lookup = IntegerLookup(vocabulary=[3, 5, 7])
    inputs = lamina.Input(shape=(2,), dtype="int64")
    x = lamina.layers.Embedding(4, 2)(lookup(inputs))
    model = lamina.Model(inputs, lamina.layers.Flatten()(x))
    assert model(np.array([[3, 7], [9, 5]])).shape == (2, 4)


def test_bad_inputs():
    with pytest.raises(ValueError, match="must be greater than 1"):
        IntegerLookup(max_tokens=1)
    with pytest.raises(ValueError, match="must >= 0"):
        IntegerLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match="vocabulary_dtype='int64'"):
        IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(ValueError, match="`salt` can only be used when"):
        IntegerLookup(salt=3)
    with pytest.raises(ValueError, match="`oov_method` argument of "
                                         "IntegerLookup"):
        IntegerLookup(oov_method="x")
    with pytest.raises(ValueError, match=r"found OOV values \[4\]"):
        IntegerLookup(vocabulary=[1], num_oov_indices=0)(np.array([1, 4]))
    with pytest.raises(ValueError, match="reserved mask token"):
        IntegerLookup(vocabulary=[1, 0], mask_token=0)
    with pytest.raises(RuntimeError, match="has no vocabulary"):
        IntegerLookup()(np.array([1]))


def test_parity_with_keras(request):
    pytest.importorskip("tensorflow")
    keras_ref = request.getfixturevalue("keras_ref")
    for kwargs in ({}, {"mask_token": 0, "num_oov_indices": 2},
                   {"output_mode": "tf_idf"}):
        ours, theirs = IntegerLookup(**kwargs), \
            keras_ref.layers.IntegerLookup(**kwargs)
        ours.adapt(DOCS)
        theirs.adapt(DOCS)
        assert ours.get_vocabulary() == [int(t) for t in
                                         theirs.get_vocabulary()]
        query = np.array([[3, 0, 42, 7], [9, 9, 0, 0]])
        np.testing.assert_allclose(
            ours(query).cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs(query)), rtol=1e-6)
