"""Pretrained-style application models exported to both formats: outputs
equal `model.predict` at batch sizes 1 and 7."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.applications import mobilenet_v2


def _mobilenet_v2():
    return mobilenet_v2.MobileNetV2(
        weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=6)


def _resnet50_features():
    return keras.applications.ResNet50(
        weights=None, include_top=False, input_shape=(32, 32, 3),
        pooling="avg")


@pytest.mark.parametrize("build", [_mobilenet_v2, _resnet50_features])
def test_application_exports_to_torch_and_onnx(tmp_path, build):
    ort = pytest.importorskip("onnxruntime")
    model = build()
    model.export(str(tmp_path / "m.pt2"), format="torch", verbose=False)
    model.export(str(tmp_path / "m.onnx"), format="onnx", verbose=False)
    program = torch.export.load(str(tmp_path / "m.pt2")).module()
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    feed = session.get_inputs()[0].name
    assert session.get_inputs()[0].shape == ["batch", 32, 32, 3]
    rng = np.random.default_rng(0)
    for batch in (1, 7):
        x = rng.uniform(-1, 1, (batch, 32, 32, 3)).astype("float32")
        expected = model.predict(x, verbose=0)
        got = program(torch.from_numpy(x)).detach().cpu().numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
        (got,) = session.run(None, {feed: x})
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
