"""imagenet_utils against Keras 3: preprocess_input in each mode and data
format (NumPy and tensors), decode_predictions on a known vector with a
class index file served from the local cache, and the errors."""

import json

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.applications import imagenet_utils

MODES = ["caffe", "tf", "torch"]


def _images(shape):
    return np.random.default_rng(0).uniform(0, 255, shape).astype("float32")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data_format,shape", [
    ("channels_last", (2, 5, 4, 3)), ("channels_first", (2, 3, 5, 4)),
    ("channels_last", (5, 4, 3)), ("channels_first", (3, 5, 4)),
])
def test_preprocess_numpy_equals_keras(keras_ref, mode, data_format, shape):
    x = _images(shape)
    expected = keras_ref.applications.imagenet_utils.preprocess_input(
        x.copy(), data_format=data_format, mode=mode)
    got = imagenet_utils.preprocess_input(x.copy(), data_format=data_format,
                                          mode=mode)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_tensor_equals_keras(keras_ref, mode, data_format):
    shape = (2, 5, 4, 3) if data_format == "channels_last" else (2, 3, 5, 4)
    x = _images(shape)
    expected = keras_ref.applications.imagenet_utils.preprocess_input(
        torch.from_numpy(x.copy()), data_format=data_format, mode=mode)
    got = imagenet_utils.preprocess_input(torch.from_numpy(x),
                                          data_format=data_format, mode=mode)
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.cpu().numpy(), np.asarray(expected),
                               rtol=1e-6, atol=1e-5)


def test_integer_images_become_floatx(keras_ref):
    x = np.arange(2 * 2 * 2 * 3, dtype="uint8").reshape(2, 2, 2, 3)
    got = keras.applications.resnet.preprocess_input(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(
        got, keras_ref.applications.resnet.preprocess_input(x), atol=1e-5)


def test_float_numpy_is_modified_in_place_as_in_keras():
    x = np.full((1, 2, 2, 3), 255.0, "float32")
    out = keras.applications.resnet_v2.preprocess_input(x)
    assert out is x and np.all(x == 1.0)


def test_preprocess_inside_a_functional_model():
    inputs = keras.Input((4, 4, 3))
    outputs = keras.applications.vgg16.preprocess_input(inputs)
    model = keras.Model(inputs, outputs)
    x = _images((1, 4, 4, 3))
    expected = imagenet_utils.preprocess_input(x.copy(), mode="caffe")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected,
                               atol=1e-4)


def test_preprocess_errors():
    with pytest.raises(ValueError, match="Received: mode=inception"):
        imagenet_utils.preprocess_input(_images((1, 2, 2, 3)),
                                        mode="inception")
    with pytest.raises(ValueError, match="Received: data_format=NHWC"):
        imagenet_utils.preprocess_input(_images((1, 2, 2, 3)),
                                        data_format="NHWC")


@pytest.fixture
def class_index(tmp_path, monkeypatch):
    """A class index file served from a local URL, with its own md5 in
    place of Keras's (the test never touches the network)."""
    import hashlib

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    served = tmp_path / "served" / "imagenet_class_index.json"
    served.parent.mkdir()
    served.write_text(json.dumps(index))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", served.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH",
                        hashlib.md5(served.read_bytes()).hexdigest())
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    return tmp_path / "keras_home" / "models" / "imagenet_class_index.json"


def test_decode_predictions_returns_keras_tuples(class_index):
    preds = np.zeros((2, 1000), "float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    preds[1, 42] = 1.0
    decoded = keras.applications.resnet.decode_predictions(preds, top=3)
    assert class_index.exists()   # cached where Keras caches it
    assert [t[:2] for t in decoded[0]] == [
        ("n00000007", "class_7"), ("n00000003", "class_3"),
        ("n00000999", "class_999")]
    assert [float(t[2]) for t in decoded[0]] == pytest.approx([0.5, 0.3, 0.2])
    assert decoded[1][0][:2] == ("n00000042", "class_42")
    assert len(decoded[1]) == 3
    # Tensors are accepted too.
    assert keras.applications.vgg19.decode_predictions(
        torch.from_numpy(preds), top=1)[1][0][1] == "class_42"


def test_decode_predictions_needs_1000_classes():
    with pytest.raises(ValueError, match=r"Received array with shape: "
                                         r"\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_corrupt_class_index_download_is_refused(class_index, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", "0" * 32)
    with pytest.raises(Exception, match="0" * 32):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    assert not class_index.exists()


def test_decode_predictions_equals_keras(keras_ref, monkeypatch):
    # The same class index given to both (Keras's download hash is fixed,
    # so its cached index is set directly); random scores, ties and top=5.
    from keras.src.applications import imagenet_utils as theirs

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(theirs, "CLASS_INDEX", index)
    monkeypatch.setattr(imagenet_utils, "_class_index", index)
    preds = np.random.default_rng(5).random((3, 1000)).astype("float32")
    preds[2] = 0.0
    preds[2, [10, 20, 30]] = 0.5   # a three-way tie
    for top in (1, 5):
        ours = imagenet_utils.decode_predictions(preds, top=top)
        expected = theirs.decode_predictions(preds, top=top)
        assert [[t[:2] for t in row] for row in ours] == [
            [t[:2] for t in row] for row in expected]
        assert [[float(t[2]) for t in row] for row in ours] == [
            [float(t[2]) for t in row] for row in expected]
