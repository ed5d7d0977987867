"""StringLookup against Keras 3.15.1.

Keras's lookup layers need TensorFlow, which this environment lacks, so the
expected values below were produced by Keras 3.15.1 with TensorFlow 2.21
(the same calls, run once) and are written out here. `test_parity_with_keras`
reruns a sample against `keras_ref` when TensorFlow is available.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers.preprocessing.string_lookup import StringLookup

CORPUS = ["b", "a", "c", "a", "b", "d", "e", "e", "[UNK]", "", "zz", "é", "Z"]
DOCS = [["a", "b", "a"], ["c", "a", ""], ["b", "b", "q"]]
WORDS = ["x", "y", "hello", "", "a long string over thirty-two bytes long!!",
         "é", "z" * 17, "w" * 65, "q" * 100, "abcdefgh", "abcd"]
KERAS_DTYPE = {"module": "keras", "class_name": "DTypePolicy",
               "config": {"name": "float32"}, "registered_name": None}


def _values(x):
    return x.tolist() if isinstance(x, torch.Tensor) else x


def test_adapt_orders_by_count_then_token_descending():
    layer = StringLookup()
    layer.adapt(CORPUS)
    # The OOV token is removed from the counts; "" is a token without mask.
    assert layer.get_vocabulary() == [
        "[UNK]", "e", "b", "a", "é", "zz", "d", "c", "Z", ""]
    masked = StringLookup(mask_token="")
    masked.adapt(CORPUS)
    assert masked.get_vocabulary() == [
        "", "[UNK]", "e", "b", "a", "é", "zz", "d", "c", "Z"]
    assert masked.vocabulary_size() == 10
    out = masked([["a", "q"], ["", "b"]])
    assert out.dtype == torch.int64
    assert out.tolist() == [[4, 1], [0, 3]]
    assert masked(["a", "q", ""]).tolist() == [4, 1, 0]
    assert masked("a").tolist() == 4 and masked("a").ndim == 0


EXPECTED_MODES = {
    "one_hot": {
        "2d": [[[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]],
               [[0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1]]],
        "1d": [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0],
               [0, 1, 0, 0, 0]],
        "col": [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]],
        "scalar": [[0, 0, 1, 0, 0]],
        "3d": [[[[0, 0, 1, 0, 0], [0, 1, 0, 0, 0]]],
               [[[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]]],
    },
    "multi_hot": {
        "2d": [[0, 0, 1, 1, 0], [0, 1, 0, 0, 1]],
        "1d": [0, 1, 1, 1, 0],
        "col": [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]],
        "scalar": [0, 0, 1, 0, 0],
        "3d": [[[0, 0, 1, 0, 0], [0, 1, 0, 0, 0]],
               [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]],
    },
    "count": {
        "2d": [[0, 0, 1, 1, 0], [0, 2, 0, 0, 1]],
        "1d": [0, 1, 1, 1, 0],
        "col": [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]],
        "scalar": [0, 0, 1, 0, 0],
        "3d": [[[0, 0, 1, 0, 0], [0, 1, 0, 0, 0]],
               [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]],
    },
}
INPUTS = {"2d": [["a", "q", ""], ["b", "b", "c"]], "1d": ["a", "q", "", "b"],
          "col": [["a"], ["q"], [""]], "scalar": "a",
          "3d": [[["a", "b"]], [["c", "c"]]]}


@pytest.mark.parametrize("mode", sorted(EXPECTED_MODES))
@pytest.mark.parametrize("case", sorted(INPUTS))
def test_encoded_modes_match_keras(mode, case):
    layer = StringLookup(output_mode=mode, mask_token="")
    layer.adapt(DOCS)
    # The mask token is not part of an encoded vocabulary.
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "q", "c"]
    out = layer(INPUTS[case])
    assert out.dtype == torch.int64  # Keras's eager dtype for these modes
    assert out.tolist() == EXPECTED_MODES[mode][case]


def test_tf_idf_weights_and_outputs_match_keras():
    layer = StringLookup(output_mode="tf_idf", mask_token="")
    layer.adapt(DOCS)
    np.testing.assert_allclose(
        layer.idf_weights.cpu().numpy(),
        [0.8047189712524414, 0.6931471824645996, 0.6931471824645996,
         0.9162907600402832, 0.9162907600402832], rtol=1e-6)
    out = layer(INPUTS["2d"])
    assert out.dtype == torch.float32
    np.testing.assert_allclose(
        out.cpu().numpy(), [[0.0, 0.0, 0.6931472, 0.9162908, 0.0],
                      [0.0, 1.3862944, 0.0, 0.0, 0.9162908]], rtol=1e-6)
    # A rank-1 array given to adapt is one token per document.
    per_token = StringLookup(output_mode="tf_idf")
    per_token.adapt(np.array(["a", "a", "b"]))
    np.testing.assert_allclose(per_token.idf_weights.cpu().numpy(),
                               [0.80471897, 0.6931472, 0.9162907], rtol=1e-6)
    one_doc = StringLookup(output_mode="tf_idf")
    one_doc.adapt([["a", "a", "b"]])
    np.testing.assert_allclose(one_doc.idf_weights.cpu().numpy(),
                               [0.4054651] * 3, rtol=1e-6)


def test_tf_idf_with_given_weights_and_padding():
    layer = StringLookup(output_mode="tf_idf", vocabulary=["a", "b", "c"],
                         idf_weights=[1.0, 2.0, 3.5])
    # The OOV slot gets the mean of the given weights.
    np.testing.assert_allclose(layer.idf_weights.cpu().numpy(),
                               [2.1666667, 1.0, 2.0, 3.5], rtol=1e-6)
    with_special = StringLookup(output_mode="tf_idf",
                                vocabulary=["[UNK]", "a", "b"],
                                idf_weights=[0.3, 2.0, 3.5])
    np.testing.assert_allclose(with_special.idf_weights.cpu().numpy(),
                               [0.3, 2.0, 3.5], rtol=1e-6)
    padded = StringLookup(output_mode="tf_idf", max_tokens=6,
                          pad_to_max_tokens=True)
    padded.adapt([["a", "a", "b"], ["c", "d", "d"]])
    np.testing.assert_allclose(padded.idf_weights.cpu().numpy(),
                               [0.6931472] * 5 + [0.0], rtol=1e-6)
    np.testing.assert_allclose(padded([["a", "x"]]).cpu().numpy(),
                               [[0.6931472, 0, 0.6931472, 0, 0, 0]],
                               rtol=1e-6)


def test_adapt_from_batches_with_steps():
    layer = StringLookup(output_mode="tf_idf")

    def batches():
        yield ["a", "b"]  # a rank-1 batch is one document
        yield np.array([["a"], ["c"]])
        yield ["z"]

    layer.adapt(batches(), steps=2)
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    np.testing.assert_allclose(
        layer.idf_weights.cpu().numpy(),
        [0.8419096, 0.6931472, 0.9162907, 0.9162907], rtol=1e-6)


def test_invert():
    layer = StringLookup(vocabulary=["a", "b", "c"], invert=True)
    out = layer([[0, 1, 2], [3, 4, 5]])
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [["[UNK]", "a", "b"], ["c", "[UNK]", "[UNK]"]]
    masked = StringLookup(vocabulary=["a", "b", "c"], invert=True,
                          mask_token="[M]")
    assert masked(torch.tensor([[0, 1, 2], [3, 4, 5]])).tolist() == [
        ["[M]", "[UNK]", "a"], ["b", "c", "[UNK]"]]
    assert masked.get_vocabulary() == ["[M]", "[UNK]", "a", "b", "c"]
    forward = StringLookup(vocabulary=["a", "b"])
    inverse = StringLookup(vocabulary=forward.get_vocabulary(), invert=True)
    assert inverse(forward(["b", "zz", "a"])).tolist() == ["b", "[UNK]", "a"]


def test_multiple_oov_indices_hash_like_keras():
    layer = StringLookup(vocabulary=["a", "b", "c"], num_oov_indices=2,
                         mask_token="")
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "a", "b", "c"]
    assert layer(WORDS).tolist() == [1, 2, 1, 0, 2, 2, 1, 1, 2, 2, 2]
    seven = StringLookup(vocabulary=["a"], num_oov_indices=7)
    assert seven(WORDS).tolist() == [1, 3, 5, 6, 6, 6, 0, 4, 3, 2, 5]
    salted = StringLookup(vocabulary=["a"], num_oov_indices=7, salt=[3, 5])
    assert salted(WORDS).tolist() == [0, 6, 3, 0, 5, 5, 4, 2, 1, 4, 3]


def test_vocabulary_arguments():
    truncated = StringLookup(max_tokens=3)
    truncated.adapt(["a", "a", "b", "b", "c"])
    assert truncated.get_vocabulary() == ["[UNK]", "b", "a"]
    masked = StringLookup(max_tokens=4, mask_token="")
    masked.adapt(["a", "a", "b", "b", "c"])
    assert masked.get_vocabulary() == ["", "[UNK]", "b", "a"]
    special = StringLookup(vocabulary=["[UNK]", "a", "b"])
    assert special.get_vocabulary() == ["[UNK]", "a", "b"]
    assert special.get_vocabulary(include_special_tokens=False) == ["a", "b"]
    assert special.get_config()["vocabulary"] == ["[UNK]", "a", "b"]
    # Not inverted, the OOV token inside the vocabulary is a plain token.
    plain = StringLookup(vocabulary=["a", "[UNK]"])
    assert plain.get_vocabulary() == ["[UNK]", "a", "[UNK]"]
    assert plain(["[UNK]", "zz"]).tolist() == [2, 0]
    assert StringLookup(vocabulary=np.array(["a", "b"])).get_config()[
        "vocabulary"] == ["a", "b"]
    assert StringLookup(vocabulary=["é"])([b"\xc3\xa9", "é"]).tolist() == \
        [1, 1]
    no_oov = StringLookup(num_oov_indices=0)
    no_oov.adapt(["a", "b", "b"])
    assert no_oov.get_vocabulary() == ["b", "a"]
    masked_no_oov = StringLookup(num_oov_indices=0, vocabulary=["a", "b"],
                                 mask_token="")
    assert masked_no_oov([["a", "", "b"]]).tolist() == [[1, 0, 2]]


def test_set_vocabulary_and_adapt_again():
    layer = StringLookup()
    layer.set_vocabulary(["p", "q"])
    assert layer.get_vocabulary() == ["[UNK]", "p", "q"]
    layer.adapt(["a"])  # set_vocabulary keeps the layer adaptable
    assert layer.get_vocabulary() == ["[UNK]", "a"]
    given = StringLookup(vocabulary=["p", "q"])
    given.set_vocabulary(["r"])
    config = given.get_config()
    assert given.get_vocabulary() == ["[UNK]", "r"]
    assert config["vocabulary"] == ["p", "q"]  # as constructed (Keras)
    assert config["vocabulary_size"] == 2


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("x\ny\nz\n")
    layer = StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "x", "y", "z"]
    assert layer(["x", "", "z", "w"]).tolist() == [1, 0, 3, 0]
    assert layer.get_config()["vocabulary"] is None
    inverse = StringLookup(vocabulary=str(path), invert=True)
    assert inverse(np.array([0, 1, 3, 4])).tolist() == \
        ["[UNK]", "x", "z", "[UNK]"]
    special = tmp_path / "special.txt"
    special.write_text("[UNK]\nx\ny")
    # Lines of a file are all tokens, special or not (Keras).
    assert StringLookup(vocabulary=str(special)).get_vocabulary() == \
        ["[UNK]", "[UNK]", "x", "y"]
    blank = tmp_path / "blank.txt"
    blank.write_text("x\n\ny\n")
    with pytest.raises(ValueError, match="empty line"):
        StringLookup(vocabulary=str(blank))
    with pytest.raises(ValueError, match="does not exist"):
        StringLookup(vocabulary=str(tmp_path / "missing.txt"))


def test_config_matches_keras_and_round_trips():
    layer = StringLookup(output_mode="count", mask_token="")
    layer.adapt(DOCS)
    config = layer.get_config()
    assert config == {
        "name": layer.name, "trainable": True, "dtype": KERAS_DTYPE,
        "invert": False, "max_tokens": None, "num_oov_indices": 1,
        "oov_token": "[UNK]", "mask_token": "", "output_mode": "count",
        "sparse": False, "pad_to_max_tokens": False, "idf_weights": None,
        "vocabulary": None, "vocabulary_size": 5, "oov_method": "floormod",
        "salt": None, "encoding": "utf-8"}
    given = StringLookup(vocabulary=["a", "b"], num_oov_indices=2)
    clone = StringLookup.from_config(given.get_config())
    assert clone.get_vocabulary() == given.get_vocabulary()
    assert clone(["b", "x"]).tolist() == given(["b", "x"]).tolist()
    restored = lamina.saving.deserialize_keras_object(
        lamina.saving.serialize_keras_object(given))
    assert isinstance(restored, StringLookup)
    assert restored(["a"]).tolist() == [2]


def test_symbolic_shapes_and_layer_contract():
    layer = StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    assert layer.compute_output_shape((None, 3)) == (None, 3, 3)
    assert layer.compute_output_shape((None, 1)) == (None, 3)
    int_layer = StringLookup(vocabulary=["a", "b"])
    symbolic = int_layer(lamina.Input(shape=(4,)))
    assert symbolic.shape == (None, 4) and symbolic.dtype == "int64"
    assert layer.weights == [] and int_layer.weights == []
    assert isinstance(int_layer, torch.nn.Module)
    assert int_layer.state_dict() == {}
    # Outputs follow the layer's device.
    assert int_layer(["a"]).device == int_layer._device_anchor.device


def test_sparse_output():
    layer = StringLookup(vocabulary=["a", "b"], output_mode="multi_hot",
                         sparse=True)
    out = layer([["a", "a"], ["b", "z"]])
    assert out.is_sparse
    assert out.to_dense().tolist() == [[0, 1, 0], [1, 0, 1]]


def test_bad_inputs():
    with pytest.raises(ValueError, match="Cannot set an empty vocabulary"):
        StringLookup(vocabulary=[])
    with pytest.raises(ValueError, match=r"repeated terms are: \['a'\]"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="reserved mask token"):
        StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="reserved OOV token"):
        StringLookup(vocabulary=["a", "[UNK]"], invert=True)
    with pytest.raises(ValueError, match="vocabulary size is 4; `max_tokens`"):
        StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="`idf_weights` should only be set"):
        StringLookup(vocabulary=["a"], idf_weights=[1.0])
    with pytest.raises(ValueError, match="`idf_weights` argument must also"):
        StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="same length as vocabulary"):
        StringLookup(output_mode="tf_idf", vocabulary=["a", "b"],
                     idf_weights=[1.0])
    with pytest.raises(ValueError, match="`output_mode` argument of "
                                         "StringLookup"):
        StringLookup(output_mode="foo")
    with pytest.raises(ValueError, match="must be `'int'` when `invert`"):
        StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="max_tokens=1"):
        StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="must set `max_tokens`"):
        StringLookup(pad_to_max_tokens=True)
    with pytest.raises(ValueError, match="num_oov_indices=-1"):
        StringLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match="`sparse` may only be true"):
        StringLookup(sparse=True)
    with pytest.raises(ValueError, match=r"found OOV values \['b'\]"):
        StringLookup(num_oov_indices=0, vocabulary=["a"])(["a", "b"])
    with pytest.raises(RuntimeError, match="must set the layer's vocab"):
        StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(RuntimeError, match="has no vocabulary"):
        StringLookup()(["a"])
    empty = StringLookup()
    empty.adapt([])
    assert empty.get_vocabulary() == ["[UNK]"]
    with pytest.raises(RuntimeError, match="found no tokens"):
        empty(["a"])
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        StringLookup(vocabulary=["a"]).adapt(["a"])
    grown = StringLookup(output_mode="multi_hot")
    grown.adapt(["a", "b"])
    with pytest.raises(RuntimeError, match="Old vocab size is 3, new vocab"):
        grown.adapt(["a", "b", "c"])
    with pytest.raises(TypeError, match="cannot hold strings"):
        StringLookup(vocabulary=["a"])(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="ragged"):
        StringLookup(vocabulary=["a"])([["a", "b"], ["a"]])


def test_parity_with_keras(request):
    # Keras's lookup layers need TensorFlow; checking first avoids importing
    # Keras only to skip.
    pytest.importorskip("tensorflow")
    keras_ref = request.getfixturevalue("keras_ref")
    for kwargs in ({}, {"mask_token": "", "num_oov_indices": 3},
                   {"output_mode": "count", "max_tokens": 6},
                   {"output_mode": "tf_idf"}):
        ours, theirs = StringLookup(**kwargs), \
            keras_ref.layers.StringLookup(**kwargs)
        ours.adapt(DOCS + [["q", "r", "s"]])
        theirs.adapt(DOCS + [["q", "r", "s"]])
        assert ours.get_vocabulary() == [str(t) for t in
                                         theirs.get_vocabulary()]
        np.testing.assert_allclose(
            ours(INPUTS["2d"]).cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs(INPUTS["2d"])), rtol=1e-6)
