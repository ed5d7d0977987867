import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.preprocessing import CategoryEncoding

INPUTS = [np.array([[0, 1, 1, 3]]), np.array([1, 3]), np.array([[1], [2]]),
          np.array([[[1, 2], [2, 2]]]), np.array([[2, -1, 0], [3, 3, 3]])]


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("index", range(len(INPUTS)))
def test_matches_keras(keras_ref, mode, index):
    x = INPUTS[index]
    theirs = keras_ref.layers.CategoryEncoding(4, output_mode=mode)
    ours = CategoryEncoding(4, output_mode=mode)
    expected = keras_ref.ops.convert_to_numpy(theirs(x))
    got = ours(x).cpu().numpy()
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    assert ours.compute_output_shape(x.shape) == got.shape


def test_count_weights_match_keras(keras_ref):
    x = np.array([[1, 1, 2], [0, 3, 3]])
    weights = np.array([[0.5, 0.25, 1.0], [2.0, 1.0, 3.0]], "float32")
    theirs = keras_ref.layers.CategoryEncoding(4, output_mode="count")
    np.testing.assert_allclose(
        CategoryEncoding(4, output_mode="count")(
            x, count_weights=weights).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(x, count_weights=weights)))


@pytest.mark.parametrize("mode,expected", [
    ("multi_hot", (2, 5)), ("count", (2, 5)), ("one_hot", (2, 3, 5)),
])
def test_harness(keras_ref, mode, expected):
    x = np.array([[1, 2, 2], [0, 4, 4]])
    run_layer_test(CategoryEncoding, {"num_tokens": 5, "output_mode": mode},
                   input_data=x, expected_output_shape=expected,
                   keras_reference=keras_ref)


def test_sparse_output_and_binary_alias():
    layer = CategoryEncoding(3, output_mode="binary", sparse=True)
    assert layer.output_mode == "multi_hot"
    out = layer(torch.tensor([[0, 2], [1, 1]]))
    assert out.is_sparse
    np.testing.assert_array_equal(out.to_dense().cpu().numpy(),
                                  [[1, 0, 1], [0, 1, 0]])


def test_in_functional_model():
    inputs = lamina.Input(shape=(3,), dtype="int32")
    outputs = CategoryEncoding(6, output_mode="count")(inputs)
    assert outputs.shape == (None, 6)
    model = lamina.Model(inputs, outputs)
    out = model.predict(np.array([[1, 1, 5]], "int32"), verbose=0)
    np.testing.assert_array_equal(out, [[0, 2, 0, 0, 0, 1]])


def test_bad_inputs():
    with pytest.raises(ValueError, match="output_mode"):
        CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding()
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding(0)
    with pytest.raises(ValueError, match=r"CategoryEncoding 'category_enc"
                       r"oding.*' .*Expected values below 3\. Received: 3"):
        CategoryEncoding(3)(np.array([[1, 3]]))
    with pytest.raises(ValueError, match="count_weights"):
        CategoryEncoding(3, output_mode="one_hot")(
            np.array([[1]]), count_weights=np.array([[1.0]]))
