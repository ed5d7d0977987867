"""`keras.export.ExportArchive`: several endpoints with their input
signatures, written as torch.export programs or ONNX models."""

import numpy as np
import pytest
import torch

import lamina as keras


def _model():
    return keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(2),
    ])


def test_two_endpoints_as_torch_programs(tmp_path):
    model = _model()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve", fn=lambda x: model(x, training=False),
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    archive.add_endpoint(
        name="features", fn=lambda x: model.layers[0](x),
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    assert archive.endpoint_names == ["serve", "features"]
    archive.write_out(str(tmp_path / "archive"), verbose=False)

    x = np.random.default_rng(0).normal(size=(7, 3)).astype("float32")
    serve = torch.export.load(str(tmp_path / "archive" / "serve.pt2"))
    served = serve.module()(torch.from_numpy(x))
    np.testing.assert_allclose(served.cpu().numpy(),
                               model.predict(x, verbose=0), atol=1e-5)
    features = torch.export.load(str(tmp_path / "archive" / "features.pt2"))
    expected = model.layers[0](torch.from_numpy(x)).detach().cpu().numpy()
    np.testing.assert_allclose(features.module()(torch.from_numpy(x)[:1]).cpu()
                               .numpy(), expected[:1], atol=1e-6)


def test_endpoint_with_two_arguments_as_onnx(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    a = keras.layers.Dense(2)
    a.build((None, 3))
    archive = keras.export.ExportArchive(format="onnx")
    archive.track(a)
    archive.add_endpoint(
        "combine", lambda x, y: a(x) * y,
        input_signature=[keras.InputSpec(shape=(None, 3), name="x"),
                         keras.InputSpec(shape=(None, 2), name="y")])
    archive.write_out(str(tmp_path / "out"), verbose=False)
    session = ort.InferenceSession(str(tmp_path / "out" / "combine.onnx"))
    x = np.ones((5, 3), "float32")
    y = np.full((5, 2), 2.0, "float32")
    (got,) = session.run(None, {"x": x, "y": y})
    expected = (a(torch.from_numpy(x)) * torch.from_numpy(y)).detach()
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-6)


def test_track_and_add_endpoint_uses_inference_mode(tmp_path):
    model = _model()
    archive = keras.export.ExportArchive()
    program = archive.track_and_add_endpoint(
        "serve", model, [keras.InputSpec(shape=(None, 3))])
    x = torch.ones(6, 3)
    # Dropout off: two runs agree and equal predict.
    np.testing.assert_allclose(program.module()(x).cpu().numpy(),
                               model.predict(x.numpy(), verbose=0), atol=1e-5)


def test_archive_errors(tmp_path):
    archive = keras.export.ExportArchive()
    spec = [keras.InputSpec(shape=(None, 3))]
    with pytest.raises(ValueError, match="No endpoints"):
        archive.write_out(str(tmp_path / "a"))
    with pytest.raises(ValueError, match="call `track\\(model\\)`"):
        archive.add_endpoint("serve", lambda x: x, spec)
    with pytest.raises(ValueError, match="has not been built yet"):
        archive.track(keras.layers.Dense(2))
    with pytest.raises(ValueError, match="Expected a Lamina layer or model"):
        archive.track("model")
    model = _model()
    archive.track(model)
    with pytest.raises(ValueError, match="needs an `input_signature`"):
        archive.add_endpoint("serve", model)
    archive.add_endpoint("serve", lambda x: model(x, training=False), spec)
    with pytest.raises(ValueError, match="already taken"):
        archive.add_endpoint("serve", lambda x: model(x), spec)
    with pytest.raises(ValueError, match="must be None"):
        archive.write_out(str(tmp_path / "a"), options=object())
    with pytest.raises(ValueError, match="Unrecognized format=zip"):
        keras.export.ExportArchive(format="zip")


def test_variable_collection_written_as_npz(tmp_path):
    model = _model()
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", lambda x: model(x, training=False),
                         [keras.InputSpec(shape=(None, 3))])
    archive.add_variable_collection("weights", model.weights)
    with pytest.raises(ValueError, match="already taken"):
        archive.add_variable_collection("serve", model.weights)
    with pytest.raises(ValueError, match="list, tuple or set of weights"):
        archive.add_variable_collection("bad", model)
    archive.write_out(str(tmp_path / "out"), verbose=False)
    saved = np.load(tmp_path / "out" / "weights.npz")
    assert sorted(saved.files) == sorted(w.path for w in model.weights)
    np.testing.assert_array_equal(saved[model.weights[0].path],
                                  model.weights[0].detach().cpu().numpy())
