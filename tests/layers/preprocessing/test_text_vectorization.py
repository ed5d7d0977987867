"""TextVectorization against Keras 3.15.1.

Keras's TextVectorization needs TensorFlow, which this environment lacks:
the expected vocabularies and outputs were produced once by Keras 3.15.1
with TensorFlow 2.21 on the same calls and are written out here.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers.preprocessing.text_vectorization import TextVectorization

CORPUS = [
    "The Cat sat on the mat.", "The dog ate my HOMEWORK!!",
    "cat-dog: a\u00a0friend\x1cof\u2003mine?", "ÉCOLE école Straße",
    "  tabs\tand\nnewlines\r\x0bvt\x0cff  ",
    "it's (really) [fine] {ok} @home #1 $5 ~x ^y `z` |p| a_b \\ q/r <s> +t* "
    "=u ;v",
]
# Lowercasing is ASCII-only and splitting uses ASCII whitespace only, as
# TensorFlow does ("École", "\xa0", "\x1c" and "\u2003" survive).
EXPECTED_VOCABULARIES = {
    "lower_and_strip_punctuation": [
        '', '[UNK]', 'the', 'école', 'École', 'z', 'y', 'x', 'vt', 'v', 'u',
        'tabs', 't', 'straße', 'sat', 's', 'really', 'qr', 'p', 'on', 'ok',
        'newlines', 'my', 'mat', 'its', 'homework', 'home', 'fine', 'ff',
        'dog', 'catdog', 'cat', 'a\xa0friend\x1cof\u2003mine', 'ate', 'and',
        'ab', '5', '1'],
    "lower": [
        '', '[UNK]', 'the', 'école', 'École', '~x', '|p|', '{ok}', 'vt',
        'tabs', 'straße', 'sat', 'q/r', 'on', 'newlines', 'my', 'mat.',
        "it's", 'homework!!', 'ff', 'dog', 'cat-dog:', 'cat',
        'a\xa0friend\x1cof\u2003mine?', 'ate', 'and', 'a_b', '`z`', '^y',
        '\\', '[fine]', '@home', '=u', '<s>', ';v', '+t*', '(really)', '$5',
        '#1'],
    "strip_punctuation": [
        '', '[UNK]', 'The', 'école', 'ÉCOLE', 'z', 'y', 'x', 'vt', 'v', 'u',
        'the', 'tabs', 't', 'sat', 's', 'really', 'qr', 'p', 'on', 'ok',
        'newlines', 'my', 'mat', 'its', 'home', 'fine', 'ff', 'dog', 'catdog',
        'a\xa0friend\x1cof\u2003mine', 'ate', 'and', 'ab', 'Straße',
        'HOMEWORK', 'Cat', '5', '1'],
    None: [
        '', '[UNK]', 'The', 'école', 'ÉCOLE', '~x', '|p|', '{ok}', 'vt',
        'the', 'tabs', 'sat', 'q/r', 'on', 'newlines', 'my', 'mat.', "it's",
        'ff', 'dog', 'cat-dog:', 'a\xa0friend\x1cof\u2003mine?', 'ate', 'and',
        'a_b', '`z`', '^y', '\\', '[fine]', 'Straße', 'HOMEWORK!!', 'Cat', '@home',
        '=u', '<s>', ';v', '+t*', '(really)', '$5', '#1'],
}
SMALL = ["a b c", "a b", "d"]
BAGS = ["a b c a", "a b", "d d d", ""]


@pytest.mark.parametrize("standardize", list(EXPECTED_VOCABULARIES))
def test_standardize_modes_match_keras(standardize):
    layer = TextVectorization(standardize=standardize)
    layer.adapt(CORPUS)
    assert layer.get_vocabulary() == EXPECTED_VOCABULARIES[standardize]


def test_split_modes():
    chars = TextVectorization(split="character")
    chars.adapt(["abc ab", "Éa!"])
    assert chars.get_vocabulary() == ["", "[UNK]", "a", "b", "É", "c", " "]
    assert chars(["ab c", "é"]).tolist() == [[2, 3, 6, 5], [1, 0, 0, 0]]
    whole = TextVectorization(split=None)
    whole.adapt(["Hello World", "hello world", "x"])
    assert whole.get_vocabulary() == ["", "[UNK]", "hello world", "x"]
    assert whole(["hello world", "z"]).tolist() == [2, 1]
    assert whole([["hello world"], ["z"]]).tolist() == [[2], [1]]


def test_callables():
    layer = TextVectorization(
        standardize=lambda x: np.char.replace(x, "a", "b"),
        split=lambda x: [s.split(",") for s in x])
    layer.adapt(["a,b,c", "aa,b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "c", "bb"]
    assert layer(["c,a,q"]).tolist() == [[3, 2, 1]]


def test_ngrams():
    bigrams = TextVectorization(ngrams=2)
    bigrams.adapt(SMALL)
    assert bigrams.get_vocabulary() == [
        "", "[UNK]", "b", "a b", "a", "d", "c", "b c"]
    assert bigrams(["a b c d", "c"]).tolist() == [
        [4, 2, 6, 5, 3, 7, 1], [6, 0, 0, 0, 0, 0, 0]]
    widths = TextVectorization(ngrams=(2, 3))
    widths.adapt(SMALL)
    assert widths.get_vocabulary() == ["", "[UNK]", "a b", "b c", "a b c"]
    reverse = TextVectorization(ngrams=(3, 1))
    reverse.adapt(SMALL)
    assert reverse.get_vocabulary() == [
        "", "[UNK]", "b", "a", "d", "c", "a b c"]
    assert reverse(["a b c"]).tolist() == [[6, 3, 2, 5]]


def test_output_sequence_length_and_padding():
    fixed = TextVectorization(output_sequence_length=4)
    fixed.adapt(SMALL)
    out = fixed(["a b c d e f", "a", ""])
    assert out.dtype == torch.int64
    assert out.tolist() == [[3, 2, 5, 4], [3, 0, 0, 0], [0, 0, 0, 0]]
    ragged = TextVectorization()
    ragged.adapt(SMALL)
    assert ragged(["a b c d e f", "a", ""]).tolist() == [
        [3, 2, 5, 4, 1, 1], [3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    assert tuple(ragged(["", ""]).shape) == (2, 0)
    assert ragged(np.array([["a b"], ["c"]])).tolist() == [[3, 2], [5, 0]]
    assert ragged([b"a b", b"c"]).tolist() == [[3, 2], [5, 0]]
    assert ragged("a b").tolist() == [3, 2]


@pytest.mark.parametrize("mode,expected", [
    ("multi_hot", [[1, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]]),
    ("count", [[1, 0, 2, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0]]),
    ("tf_idf", [[0.9729551, 0, 1.6945957, 0, 0], [0, 0, 0, 0.84729785, 0],
                [0, 0, 0, 0, 0]]),
])
def test_encoded_modes_match_keras(mode, expected):
    layer = TextVectorization(output_mode=mode)
    layer.adapt(BAGS)
    assert layer.get_vocabulary() == ["[UNK]", "d", "a", "b", "c"]
    out = layer(["a a z", "b", ""])
    assert out.dtype == (torch.float32 if mode == "tf_idf" else torch.int64)
    np.testing.assert_allclose(out.cpu().numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(layer([["a a z"], ["b"]]).cpu().numpy(),
                               expected[:2], rtol=1e-6)
    if mode == "tf_idf":
        np.testing.assert_allclose(
            layer._lookup_layer.idf_weights.cpu().numpy(),
            [0.9729551, 1.0986123, 0.84729785, 0.84729785, 1.0986123],
            rtol=1e-6)


def test_one_hot_is_padded():
    layer = TextVectorization(output_mode="one_hot")
    layer.adapt(BAGS)
    out = layer(["a a z", "b"])
    assert tuple(out.shape) == (2, 3, 5)
    assert out[1].tolist() == [[0, 0, 0, 1, 0], [0] * 5, [0] * 5]


def test_adapt_variants():
    layer = TextVectorization()
    layer.adapt(np.array([["x y"], ["y"]]))
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "x"]

    def batches():
        yield ["x y", "y"]
        yield np.array(["z"])
        yield ["w"]

    layer.adapt(batches(), steps=2)
    assert layer.get_vocabulary() == ["", "[UNK]", "y", "z", "x"]
    tf_idf = TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(["x y x", "y", "z", "w"], batch_size=2)
    np.testing.assert_allclose(
        tf_idf._lookup_layer.idf_weights.cpu().numpy(),
        [1.0357838, 0.84729785, 1.0986123, 1.0986123, 1.0986123], rtol=1e-6)

    class Texts(lamina.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return np.array([["q r", "r"], ["r s"]][index]), np.zeros(1)

    layer.adapt(Texts())
    assert layer.get_vocabulary() == ["", "[UNK]", "r", "s", "q"]
    truncated = TextVectorization(max_tokens=3)
    truncated.adapt(["a a b b c", "c c"])
    assert truncated.get_vocabulary() == ["", "[UNK]", "c"]
    padded = TextVectorization(output_mode="multi_hot", max_tokens=6,
                               pad_to_max_tokens=True)
    padded.adapt(["a b"])
    assert padded(["a c"]).tolist() == [[1, 0, 1, 0, 0, 0]]


def test_vocabulary_argument_and_config():
    layer = TextVectorization(
        vocabulary=["earth", "wind", "and", "fire"], output_sequence_length=4)
    assert layer.get_vocabulary() == [
        "", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.vocabulary_size() == 6
    assert layer(["earth wind and fire", "fire and earth"]).tolist() == [
        [2, 3, 4, 5], [5, 4, 2, 0]]
    config = layer.get_config()
    assert config == {
        "name": layer.name, "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy",
                  "config": {"name": "float32"}, "registered_name": None},
        "max_tokens": None, "standardize": "lower_and_strip_punctuation",
        "split": "whitespace", "ngrams": None, "output_mode": "int",
        "output_sequence_length": 4, "pad_to_max_tokens": False,
        "sparse": False, "ragged": False,
        "vocabulary": ["earth", "wind", "and", "fire"], "idf_weights": None,
        "encoding": "utf-8", "vocabulary_size": 6}
    clone = TextVectorization.from_config(config)
    assert clone(["fire wind"]).tolist() == [[5, 3, 0, 0]]
    restored = lamina.saving.deserialize_keras_object(
        lamina.saving.serialize_keras_object(
            TextVectorization(ngrams=2, vocabulary=["a", "a b"])))
    assert restored.get_config()["ngrams"] == 2
    assert restored(["a b"]).tolist() == [[2, 1, 3]]
    tf_idf = TextVectorization(output_mode="tf_idf")
    tf_idf.set_vocabulary(["b", "a"], idf_weights=[1.0, 2.0])
    np.testing.assert_allclose(tf_idf(["a b c b"]).cpu().numpy(),
                               [[1.5, 2, 2]])


def test_symbolic_shapes():
    assert TextVectorization(output_sequence_length=5).compute_output_shape(
        (None,)) == (None, 5)
    assert TextVectorization().compute_output_shape((None,)) == (None, None)
    assert TextVectorization(
        output_mode="multi_hot", max_tokens=5, pad_to_max_tokens=True
    ).compute_output_shape((None,)) == (None, 5)
    layer = TextVectorization(output_sequence_length=3,
                              vocabulary=["a", "b"])
    symbolic = layer(lamina.Input(shape=()))
    assert symbolic.shape == (None, 3) and symbolic.dtype == "int64"


def test_bad_inputs():
    with pytest.raises(RuntimeError, match="has no vocabulary"):
        TextVectorization()(["a b"])
    with pytest.raises(RuntimeError, match="must set the layer's vocab"):
        TextVectorization(output_mode="multi_hot")(["a b"])
    empty = TextVectorization()
    empty.adapt([])  # Keras accepts it: the layer stays without vocabulary
    assert empty.get_vocabulary() == ["", "[UNK]"]
    with pytest.raises(RuntimeError, match="found no tokens"):
        empty(["a"])
    with pytest.raises(ValueError, match="`output_mode` argument of "
                                         "TextVectorization"):
        TextVectorization(output_mode="foo")
    with pytest.raises(ValueError, match="`standardize` argument"):
        TextVectorization(standardize="foo")
    with pytest.raises(ValueError, match="`split` argument"):
        TextVectorization(split="foo")
    with pytest.raises(ValueError, match="`ngrams` must be None, an integer"):
        TextVectorization(ngrams=[1, 2])
    with pytest.raises(ValueError, match="None or an integer"):
        TextVectorization(output_sequence_length=2.0)
    with pytest.raises(ValueError, match="must not be set if `output_mode`"):
        TextVectorization(output_sequence_length=2, output_mode="multi_hot")
    with pytest.raises(ValueError, match="`idf_weights` should only be set"):
        TextVectorization(vocabulary=["a"], idf_weights=[1.0])
    with pytest.raises(ValueError, match="`idf_weights` argument must also"):
        TextVectorization(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="ragged"):
        TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        TextVectorization(vocabulary=["a"])([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        TextVectorization(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(TypeError, match="cannot hold strings"):
        TextVectorization(vocabulary=["a"])(torch.tensor([1]))
    # ngrams with output_mode="int" is allowed, as in Keras.
    assert TextVectorization(ngrams=2, output_mode="int")._ngrams == (1, 2)


def _sentiment_corpus():
    rng = np.random.default_rng(0)
    good, bad = ["good", "great", "fine", "nice"], ["bad", "awful", "poor"]
    filler = ["the", "movie", "was", "really", "plot", "acting"]
    texts, labels = [], []
    for i in range(96):
        label = i % 2
        words = list(rng.choice(filler, 3)) + list(
            rng.choice(good if label else bad, 2))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return texts, np.array(labels, dtype="float32")[:, None]


def test_model_trains_on_vectorized_text():
    texts, labels = _sentiment_corpus()
    vectorizer = TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorizer.adapt(texts)
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([
        lamina.Input(shape=(6,), dtype="int64"),
        lamina.layers.Embedding(20, 8),
        lamina.layers.GlobalAveragePooling1D(),
        lamina.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=lamina.optimizers.Adam(0.05),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(vectorizer(texts), labels, epochs=15, batch_size=16,
                        verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9

    # The same data vectorized batch by batch in a PyDataset, as bags of
    # words (TF-IDF).
    bags = TextVectorization(output_mode="tf_idf", max_tokens=20,
                             pad_to_max_tokens=True)
    bags.adapt(texts)

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, index):
            rows = slice(16 * index, 16 * index + 16)
            return bags(texts[rows]), labels[rows]

    dense = lamina.Sequential([lamina.Input(shape=(20,)),
                               lamina.layers.Dense(1, activation="sigmoid")])
    dense.compile(optimizer=lamina.optimizers.Adam(0.1),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = dense.fit(Batches(), epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_first_layer_of_a_model():
    texts, labels = _sentiment_corpus()
    vectorizer = TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorizer.adapt(texts)
    model = lamina.Sequential([vectorizer, lamina.layers.Embedding(20, 4),
                               lamina.layers.GlobalAveragePooling1D(),
                               lamina.layers.Dense(1)])
    assert tuple(model(np.array(texts[:3])).shape) == (3, 1)
