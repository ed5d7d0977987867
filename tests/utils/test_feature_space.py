"""FeatureSpace against Keras 3.

Keras's FeatureSpace needs TensorFlow to adapt and to be called (it is not
installed here), and so do its IntegerLookup, StringLookup, Hashing and
Discretization. The expected outputs are therefore assembled from what does
run in Keras 3 on torch (Normalization, CategoryEncoding, and Keras's own
FeatureSpace for saving/loading numeric features) plus hand-computed
vocabulary indices (counts are distinct, so the order is unambiguous) and
crosses computed with HashedCrossing (tested against Keras's bins in
tests/layers/preprocessing/test_hashed_crossing.py).
"""

import io
import zipfile

import h5py
import keras
import numpy as np
import pytest
import torch

import lamina
from lamina.utils import FeatureSpace

N = 40


def _data():
    rng = np.random.default_rng(0)
    order = rng.permutation(N)
    return {
        "age": rng.normal(50.0, 9.0, N).astype("float32"),
        "fare": rng.uniform(0.0, 100.0, N).astype("float32"),
        "plain": rng.normal(size=N).astype("float32"),
        "sex": np.array([1] * 25 + [0] * 15)[order],
        "thal": np.array(["normal"] * 20 + ["reversible"] * 12 +
                         ["fixed"] * 8)[order],
    }


def _space(**kwargs):
    return FeatureSpace(
        features={
            "age": "float_normalized",
            "fare": FeatureSpace.float_rescaled(scale=0.1),
            "plain": "float",
            "sex": "integer_categorical",
            "thal": "string_categorical",
        },
        crosses=[FeatureSpace.cross(("sex", "thal"), crossing_dim=8)],
        **kwargs,
    )


def _keras_one_hot(indices, depth):
    encoder = keras.layers.CategoryEncoding(num_tokens=depth,
                                            output_mode="multi_hot")
    return keras.ops.convert_to_numpy(encoder(indices[:, None]))


def _expected_concat(data):
    """Keras's layout: features by sorted name, then crosses."""
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(data["age"][:, None])
    sex_index = np.where(data["sex"] == 1, 1, 2)  # vocab: [UNK], 1, 0
    thal_index = np.array([{"normal": 1, "reversible": 2, "fixed": 3}[t]
                           for t in data["thal"]])
    cross = lamina.layers.HashedCrossing(num_bins=8)(
        (sex_index, thal_index)).cpu().numpy()
    return np.concatenate([
        keras.ops.convert_to_numpy(norm(data["age"][:, None])),
        data["fare"][:, None] * 0.1,
        data["plain"][:, None],
        _keras_one_hot(sex_index, 3),
        _keras_one_hot(thal_index, 4),
        _keras_one_hot(cross, 8),
    ], axis=1)


def test_concat_equals_keras_layout_and_values():
    data = _data()
    space = _space()
    space.adapt(data)
    out = space(data)
    assert out.dtype == torch.float32 and tuple(out.shape) == (N, 18)
    np.testing.assert_allclose(out.cpu().numpy(), _expected_concat(data),
                               rtol=1e-5, atol=1e-5)
    # A single sample (scalars) gives one unbatched vector.
    sample = {name: values[3].item() for name, values in data.items()}
    np.testing.assert_allclose(space(sample).cpu().numpy(),
                               out[3].cpu().numpy(), rtol=1e-6)
    # Tensors and lists are accepted as well.
    mixed = dict(data, age=torch.tensor(data["age"]),
                 thal=data["thal"].tolist())
    torch.testing.assert_close(space(mixed), out)


def test_dict_mode():
    data = {k: v for k, v in _data().items() if k in ("age", "sex", "thal")}
    space = FeatureSpace(
        features={
            "age": "float_normalized",
            "sex": FeatureSpace.integer_categorical(output_mode="int"),
            "thal": FeatureSpace.string_categorical(output_mode="int"),
        },
        crosses=[FeatureSpace.cross(("sex", "thal"), crossing_dim=8,
                                    output_mode="int")],
        output_mode="dict",
    )
    space.adapt(data)
    out = space(data)
    assert list(out) == ["age", "sex", "thal", "sex_X_thal"]
    assert out["age"].dtype == torch.float32
    assert tuple(out["age"].shape) == (N, 1)
    sex_index = np.where(data["sex"] == 1, 1, 2)[:, None]
    np.testing.assert_array_equal(out["sex"].cpu().numpy(), sex_index)
    assert out["sex"].dtype == torch.int64
    expected_cross = lamina.layers.HashedCrossing(num_bins=8)(
        (sex_index, out["thal"].cpu().numpy()))
    np.testing.assert_array_equal(out["sex_X_thal"].cpu().numpy(),
                                  expected_cross.cpu().numpy())
    single = space({"age": 50.0, "sex": 0, "thal": "fixed"})
    assert tuple(single["sex"].shape) == (1,)
    assert single["sex"].item() == 2 and single["thal"].item() == 3
    # The string crosses a dict mode's one-hot encoders do not exist.
    assert space.one_hot_encoders == {}


def _batches(data, size=10):
    for start in range(0, N, size):
        yield {name: values[start:start + size]
               for name, values in data.items()}


class _Rows(torch.utils.data.Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return N

    def __getitem__(self, index):
        return {name: values[index] for name, values in self.data.items()}


class _Labelled(lamina.utils.PyDataset):
    def __init__(self, data):
        super().__init__()
        self.batches = list(_batches(data, 16))

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index], np.zeros(16)


@pytest.mark.parametrize("source", ["generator", "samples", "py_dataset",
                                    "data_loader", "data_frame"])
def test_adapt_on_what_a_torch_user_has(source):
    data = _data()
    if source == "generator":
        dataset = _batches(data)
    elif source == "samples":
        dataset = [{name: values[i] for name, values in data.items()}
                   for i in range(N)]
    elif source == "py_dataset":
        dataset = _Labelled(data)
    elif source == "data_frame":
        dataset = pytest.importorskip("pandas").DataFrame(data)
    else:
        dataset = torch.utils.data.DataLoader(_Rows(data), batch_size=7)
    space = _space()
    space.adapt(dataset)
    called_on = dataset if source == "data_frame" else data
    np.testing.assert_allclose(space(called_on).cpu().numpy(),
                               _expected_concat(data), rtol=1e-5, atol=1e-5)


def test_hashed_and_discretized_features():
    data = {"word": np.array(["a", "b", "c", "a"]),
            "code": np.array([7, 8, 9, 7]),
            "x": np.array([-1.0, 0.5, 1.5, 3.0])}
    space = FeatureSpace(
        features={
            "word": "string_hashed",
            "code": FeatureSpace.integer_hashed(num_bins=5),
            "x": FeatureSpace.float_discretized(
                num_bins=None, bin_boundaries=[0.0, 1.0, 2.0]),
        },
        hashing_dim=6,
    )
    space.adapt(data)
    out = space(data).cpu().numpy()
    code = lamina.layers.Hashing(num_bins=5)(data["code"]).cpu().numpy()
    word = lamina.layers.Hashing(num_bins=6)(data["word"]).cpu().numpy()
    # Sorted by name: code, word, x.
    np.testing.assert_array_equal(out[:, :5], np.eye(5)[code])
    np.testing.assert_array_equal(out[:, 5:11], np.eye(6)[word])
    np.testing.assert_array_equal(out[:, 11:], np.eye(4)[[0, 1, 2, 3]])
    learned = FeatureSpace({"x": "float_discretized"},
                           num_discretization_bins=3)
    learned.adapt({"x": np.arange(30, dtype="float32")})
    assert tuple(learned({"x": [1.0, 29.0]}).shape) == (2, 3)


def test_custom_feature():
    data = {"text": ["1st string", "2nd string", "3rd string"]}
    space = FeatureSpace(features={"text": FeatureSpace.feature(
        preprocessor=lamina.layers.TextVectorization(output_mode="tf_idf"),
        dtype="string", output_mode="float")})
    space.adapt(data)
    out = space(data)
    vocabulary = space.preprocessors["text"].get_vocabulary()
    assert vocabulary == ["[UNK]", "string", "3rd", "2nd", "1st"]
    assert out.dtype == torch.float32
    # Keras's TF-IDF weight: log(1 + documents / (1 + document frequency)).
    common, rare = np.log(1 + 3 / 4), np.log(1 + 3 / 2)
    np.testing.assert_allclose(out.cpu().numpy(), [
        [0, common, 0, 0, rare], [0, common, 0, rare, 0],
        [0, common, rare, 0, 0]], rtol=1e-5)


def test_functional_model_trained_on_encoded_features(tmp_path):
    data = _data()
    labels = (data["sex"] == 1).astype("float32")[:, None]
    space = _space()
    space.adapt(data)
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, 18) and encoded.dtype == "float32"
    hidden = lamina.layers.Dense(8, activation="relu")(encoded)
    outputs = lamina.layers.Dense(1, activation="sigmoid")(hidden)
    model = lamina.Model(encoded, outputs)
    model.compile(optimizer=lamina.optimizers.Adam(0.05),
                  loss="binary_crossentropy")
    x = space(data)
    history = model.fit(x, labels, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = lamina.saving.load_model(path)
    torch.testing.assert_close(reloaded.predict(x, verbose=0),
                               model.predict(x, verbose=0))


def _heart_data(rows=64, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "sex": rng.integers(0, 2, rows), "cp": rng.integers(0, 5, rows),
        "fbs": rng.integers(0, 2, rows), "restecg": rng.integers(0, 3, rows),
        "exang": rng.integers(0, 2, rows), "ca": rng.integers(0, 4, rows),
        "thal": rng.choice(["normal", "fixed", "reversible"], rows),
        "age": rng.integers(29, 78, rows).astype("float32"),
        "trestbps": rng.normal(130, 17, rows).astype("float32"),
        "chol": rng.normal(245, 50, rows).astype("float32"),
        "thalach": rng.normal(150, 22, rows).astype("float32"),
        "oldpeak": rng.exponential(1.0, rows).astype("float32"),
        "slope": rng.integers(1, 4, rows).astype("float32"),
    }


class _EncodedBatches(lamina.utils.PyDataset):
    """What `ds.map(lambda x, y: (feature_space(x), y))` does in Keras."""

    def __init__(self, space, data, labels, batch_size=16):
        super().__init__()
        self.space, self.data, self.labels = space, data, labels
        self.batch_size = batch_size

    def __len__(self):
        return len(self.labels) // self.batch_size

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        batch = {name: values[rows] for name, values in self.data.items()}
        return self.space(batch), self.labels[rows]


def test_keras_structured_data_example():
    """The FeatureSpace and model of Keras's "Structured data classification
    with FeatureSpace" example, on heart-disease-like data."""
    data = _heart_data()
    labels = (data["thalach"] > 150).astype("float32")[:, None]
    categorical = ["sex", "cp", "fbs", "restecg", "exang", "ca"]
    normalized = ["trestbps", "chol", "thalach", "oldpeak", "slope"]
    space = FeatureSpace(
        features={**{name: "integer_categorical" for name in categorical},
                  "thal": "string_categorical", "age": "float_discretized",
                  **{name: "float_normalized" for name in normalized}},
        crosses=[("sex", "age"), ("thal", "ca")],
        crossing_dim=32, output_mode="concat")
    space.adapt(data)
    width = sum(len(np.unique(data[name])) + 1 for name in categorical) + \
        4 + 32 + len(normalized) + 2 * 32
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, width)
    x = space(data).cpu().numpy()
    assert x.shape == (64, width)
    # Columns: the features by sorted name (a normalized feature is one
    # column, the others one-hot blocks), then the two crosses.
    widths = [1 if name in normalized else
              space.one_hot_encoders[name].num_tokens
              for name in sorted(space.features)]
    starts = np.cumsum([0] + widths)[:-1]
    normalized_columns = [start for start, name in zip(
        starts, sorted(space.features)) if name in normalized]
    np.testing.assert_allclose(x[:, normalized_columns].mean(axis=0), 0.0,
                               atol=1e-5)
    np.testing.assert_allclose(x[:, normalized_columns].std(axis=0), 1.0,
                               atol=1e-4)
    # Each of the 10 one-hot blocks (7 categorical, age, 2 crosses) holds
    # a single 1 per row.
    one_hot = np.delete(x, normalized_columns, axis=1)
    np.testing.assert_array_equal(one_hot.sum(axis=1), 10)

    hidden = lamina.layers.Dense(32, activation="relu")(encoded)
    hidden = lamina.layers.Dropout(0.5)(hidden)
    predictions = lamina.layers.Dense(1, activation="sigmoid")(hidden)
    model = lamina.Model(encoded, predictions)
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(_EncodedBatches(space, data, labels), epochs=2, verbose=0)
    sample = {name: values[0].item() for name, values in data.items()}
    prediction = model.predict(space(sample)[None], verbose=0)
    assert prediction.shape == (1, 1) and 0.0 <= float(prediction[0, 0]) <= 1


def test_dict_encoded_features_feed_a_model():
    space = FeatureSpace({"a": "float", "b": FeatureSpace.float_discretized(
        None, bin_boundaries=[0.0])}, output_mode="dict")
    encoded = space.get_encoded_features()
    assert {k: tuple(v.shape) for k, v in encoded.items()} == {
        "a": (None, 1), "b": (None, 2)}
    merged = lamina.layers.Concatenate()([encoded["a"], encoded["b"]])
    model = lamina.Model(encoded, lamina.layers.Dense(1)(merged))
    out = model(space({"a": [1.0, 2.0], "b": [-1.0, 1.0]}))
    assert tuple(out.shape) == (2, 1)


def test_end_to_end_model_on_numeric_inputs(tmp_path):
    data = {"a": np.arange(6.0), "n": np.array([1, 1, 1, 2, 2, 3]),
            "h": np.array([5, 6, 7, 5, 6, 7]),
            "d": np.array([-1.0, 1.0, -1.0, 1.0, -1.0, 1.0])}
    space = FeatureSpace(
        {"a": "float_normalized", "n": "integer_categorical",
         "h": FeatureSpace.integer_hashed(4),
         "d": FeatureSpace.float_discretized(None, bin_boundaries=[0.0])},
        crosses=[("n", "h")], crossing_dim=5)
    space.adapt(data)
    encoded = space.get_encoded_features()
    head = lamina.Model(encoded, lamina.layers.Dense(1)(encoded))
    inputs = space.get_inputs()
    symbolic = space(inputs)
    assert tuple(symbolic.shape) == (None, 1 + 2 + 4 + 5 + 4)
    model = lamina.Model(inputs, head(symbolic))
    columns = {name: values[:, None] for name, values in data.items()}
    expected = head(space(data))
    torch.testing.assert_close(model(columns), expected)
    path = tmp_path / "end_to_end.keras"
    model.save(path)
    torch.testing.assert_close(lamina.saving.load_model(path)(columns),
                               expected)


def test_get_inputs():
    space = FeatureSpace({"a": "float", "n": "integer_hashed"})
    inputs = space.get_inputs()
    assert {k: (tuple(v.shape), v.dtype) for k, v in inputs.items()} == {
        "a": ((None, 1), "float32"), "n": ((None, 1), "int32")}
    strings = FeatureSpace({"s": "string_hashed"})
    with pytest.raises(ValueError, match="cannot hold strings"):
        strings.get_inputs()


def test_config_round_trip():
    space = _space(output_mode="dict", hashing_dim=5)
    config = space.get_config()
    assert config["crosses"][0]["class_name"] == "Cross"
    assert config["features"]["thal"]["registered_name"] == "Feature"
    clone = FeatureSpace.from_config(config)
    assert clone.get_config() == config
    revived = lamina.saving.deserialize_keras_object(
        lamina.saving.serialize_keras_object(space))
    assert isinstance(revived, FeatureSpace)
    assert revived.get_config() == config


def test_save_and_load_keras_file(tmp_path):
    data = _data()
    space = _space()
    space.adapt(data)
    path = tmp_path / "space.keras"
    space.save(path)
    with zipfile.ZipFile(path) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        groups = []
        weights.visit(groups.append)
    # Keras's paths: attributes sorted, dict items by snake_case class.
    assert "preprocessors/normalization/vars/0" in groups
    assert "crossers/hashed_crossing/vars" in groups
    assert "one_hot_encoders/category_encoding_2/vars" in groups
    reloaded = lamina.saving.load_model(path)
    assert isinstance(reloaded, FeatureSpace)
    torch.testing.assert_close(reloaded(data), space(data))


# Keras warns that its FeatureSpace is unbuilt: calling it needs TensorFlow.
@pytest.mark.filterwarnings("ignore:You are saving a model that has not")
def test_loads_a_file_written_by_keras(tmp_path):
    kspace = keras.utils.FeatureSpace(features={
        "b": "float",
        "a": keras.utils.FeatureSpace.float_rescaled(scale=2.0, offset=1.0),
        "n": keras.utils.FeatureSpace.feature(
            dtype="float32", output_mode="float",
            preprocessor=keras.layers.Normalization(mean=2.0, variance=4.0)),
    })
    kspace.get_inputs()  # builds it (calling it needs TensorFlow)
    path = tmp_path / "keras_space.keras"
    kspace.save(str(path))
    space = lamina.saving.load_model(path)
    out = space({"a": [1.0, 2.0], "b": [3.0, 4.0], "n": [0.0, 6.0]})
    np.testing.assert_allclose(out.cpu().numpy(),
                               [[3.0, 3.0, -1.0], [5.0, 4.0, 2.0]])


def test_keras_loads_a_file_written_by_lamina(tmp_path):
    space = FeatureSpace({"b": "float", "n": "float_normalized",
                          "r": FeatureSpace.float_rescaled(scale=3.0)})
    space.adapt({"b": [0.0, 0.0, 0.0], "n": [1.0, 2.0, 4.0],
                 "r": [0.0, 0.0, 0.0]})
    path = tmp_path / "lamina_space.keras"
    space.save(path)
    theirs = keras.saving.load_model(str(path))
    assert type(theirs).__name__ == "FeatureSpace"
    normalization = theirs.preprocessors["n"]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(normalization.mean).reshape(-1), [7 / 3],
        rtol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(normalization.variance).reshape(-1),
        [np.var([1.0, 2.0, 4.0])], rtol=1e-6)
    assert theirs.preprocessors["r"].scale == 3.0


def test_bad_input():
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="non-empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="crossing_dim"):
        FeatureSpace({"a": "float", "b": "float"}, crosses=[("a", "b")],
                     crossing_dim=None)
    with pytest.raises(ValueError, match="at least two feature names"):
        FeatureSpace.cross(("a",), crossing_dim=4)
    with pytest.raises(ValueError, match="crossing_dim"):
        FeatureSpace.cross(("a", "b"), crossing_dim=0)
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace.cross(("a", "b"), crossing_dim=4, output_mode="count")
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace.feature("float32", lamina.layers.Rescaling(1.0), "raw")
    with pytest.raises(ValueError, match="num_bins"):
        FeatureSpace.float_discretized(num_bins=5, bin_boundaries=[0.0])
    space = _space()
    with pytest.raises(ValueError, match="adapt"):
        space(_data())
    with pytest.raises(ValueError, match="adapt"):
        space.get_encoded_features()
    with pytest.raises(ValueError, match="dict of arrays"):
        space.adapt(np.zeros(3))
    with pytest.raises(ValueError, match="no feature"):
        space.adapt({"age": [1.0]})
    space.adapt(_data())
    incomplete = _data()
    del incomplete["thal"]
    with pytest.raises(ValueError, match=r"Missing: \['thal'\]"):
        space(incomplete)
    with pytest.raises(ValueError, match="only be called with a dict"):
        space([1.0, 2.0])
    with pytest.raises(ValueError, match="expected strings"):
        space(dict(_data(), thal=np.arange(N)))
    with pytest.raises(ValueError, match="integer dtype"):
        FeatureSpace({"a": FeatureSpace.feature(
            "float32", lamina.layers.Rescaling(1.0), "one_hot")})({"a": [1.]})
    with pytest.raises(ValueError, match="not been encoded"):
        FeatureSpace({"a": FeatureSpace.integer_hashed(
            4, output_mode="int")})({"a": [1]})


def test_training_and_inference_models_share_the_encoded_features():
    # Keras's structured-data recipe: train from the encoded features, then
    # serve raw features with a model from `get_inputs()` to the same
    # predictions (numeric features: torch has no string inputs).
    rng = np.random.default_rng(3)
    data = {"a": rng.normal(size=20).astype("float32"),
            "b": rng.integers(0, 4, 20)}
    space = FeatureSpace({"a": "float_normalized",
                          "b": "integer_categorical"})
    space.adapt(data)
    encoded = space.get_encoded_features()
    hidden = lamina.layers.Dense(4, activation="relu")(encoded)
    predictions = lamina.layers.Dense(1)(hidden)
    training_model = lamina.Model(encoded, predictions)
    training_model.compile("adam", "mse")
    training_model.fit(space(data), np.zeros(20), epochs=1, verbose=0)
    inference_model = lamina.Model(space.get_inputs(), predictions)
    raw = {name: values[:, None] for name, values in data.items()}
    np.testing.assert_allclose(
        inference_model.predict(raw, verbose=0),
        training_model.predict(space(data), verbose=0), atol=1e-6)
