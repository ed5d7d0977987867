"""State that is not a weight: lookup vocabularies as `assets/` members,
adapted Normalization statistics, and IDF weights."""

import os
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.saving import load_model


@lamina.saving.register_keras_serializable(package="assets_test")
class Wrapped(lamina.Model):
    """Holds a string layer (string tensors cannot be `Input`s)."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)

    def get_config(self):
        return {**super().get_config(),
                "inner": lamina.saving.serialize_keras_object(self.inner)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["inner"] = lamina.saving.deserialize_keras_object(
            config["inner"])
        return cls(**config)


def string_model(layer):
    return Wrapped(layer)


def test_adapted_string_lookup_vocabulary_is_an_asset(tmp_path):
    lookup = layers.StringLookup()
    lookup.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    model = string_model(lookup)
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert "assets/inner/vocabulary.txt" in \
            archive.namelist()
        text = archive.read("assets/inner/vocabulary.txt")
    assert text.decode().split("\n") == ["[UNK]", "c", "b", "a"]
    loaded = load_model(path)
    x = np.array([["a"], ["c"], ["zzz"]])
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))
    assert loaded.inner.get_vocabulary() == lookup.get_vocabulary()


def test_given_vocabulary_stays_in_the_config(tmp_path):
    model = string_model(layers.StringLookup(vocabulary=["x", "y"]))
    path = str(tmp_path / "given.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("assets")]
    assert load_model(path).inner.get_vocabulary() == ["[UNK]", "x", "y"]


def test_integer_lookup_and_tf_idf(tmp_path):
    inputs = lamina.Input((3,), dtype="int32")
    integers = layers.IntegerLookup()
    integers.adapt(np.array([[3, 4, 4], [5, 5, 5]]))
    idf = layers.IntegerLookup(output_mode="tf_idf")
    idf.adapt(np.array([[3, 4, 4], [5, 5, 9]]))
    model = lamina.Model(inputs, [integers(inputs), idf(inputs)])
    path = str(tmp_path / "ints.keras")
    model.save(path)
    loaded = load_model(path)
    x = np.array([[3, 9, 5], [4, 4, 7]], dtype="int32")
    for ours, theirs in zip(model(x), loaded(x)):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs))


def test_text_vectorization(tmp_path):
    vectorizer = layers.TextVectorization(max_tokens=10,
                                          output_sequence_length=4)
    vectorizer.adapt(np.array(["the cat sat", "the dog", "a cat"]))
    model = string_model(vectorizer)
    path = str(tmp_path / "text.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert "assets/inner/vocabulary.txt" in \
            archive.namelist()
    loaded = load_model(path)
    x = np.array([["the cat"], ["a dog sat down"]])
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


def test_adapted_normalization_matches_keras_layout(keras_ref, tmp_path):
    data = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]], dtype="float32")
    theirs = keras_ref.layers.Normalization()
    theirs.adapt(data)
    inputs = keras_ref.Input((2,))
    keras_model = keras_ref.Model(inputs, theirs(inputs))
    path = str(tmp_path / "k.keras")
    keras_model.save(path)
    ours = load_model(path)
    np.testing.assert_allclose(np.asarray(ours(data)),
                               keras_model.predict(data, verbose=0),
                               atol=1e-6)

    normalization = layers.Normalization()
    normalization.adapt(data * 2)
    inputs = lamina.Input((2,))
    model = lamina.Model(inputs, normalization(inputs))
    path = str(tmp_path / "l.keras")
    model.save(path)
    reloaded = keras_ref.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(data, verbose=0),
                               np.asarray(model(data)), atol=1e-6)


def test_missing_vocabulary_asset_is_a_clear_error(tmp_path):
    lookup = layers.StringLookup()
    lookup.adapt(np.array(["a", "b"]))
    path = tmp_path / "lookup.keras"
    string_model(lookup).save(path)
    stripped = str(tmp_path / "stripped.keras")
    with zipfile.ZipFile(path) as source, \
            zipfile.ZipFile(stripped, "w") as target:
        for name in source.namelist():
            if not name.startswith("assets/"):
                target.writestr(name, source.read(name))
    with pytest.raises(ValueError, match="inner"):
        load_model(stripped)
    assert os.path.exists(stripped)
