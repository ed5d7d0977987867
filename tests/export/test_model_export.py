"""`model.export`: torch.export programs and ONNX models equal to
`model.predict` at batch sizes 1 and 7, read back without Lamina; and the
errors for unbuilt models, unknown formats and bad paths."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import lamina as keras


def seed_mlp():
    return keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])


def mnist_convnet():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])


def small_resnet():
    # BatchNormalization with non-trivial statistics, residual adds,
    # padding and global pooling: a pretrained-style backbone.
    model = keras.applications.ResNet50V2(
        weights=None, include_top=True, input_shape=(32, 32, 3), classes=5)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.gamma.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.1, c).astype("float32"))
            layer.moving_variance.assign(
                rng.uniform(0.5, 1.5, c).astype("float32"))
    return model


MODELS = {"mlp": (seed_mlp, (784,)), "convnet": (mnist_convnet, (28, 28, 1)),
          "resnet": (small_resnet, (32, 32, 3))}


def _batches(shape):
    rng = np.random.default_rng(1)
    return [rng.normal(size=(n,) + shape).astype("float32") for n in (1, 7)]


@pytest.mark.parametrize("name", list(MODELS))
def test_torch_program_equals_predict(tmp_path, name, capsys):
    build, shape = MODELS[name]
    model = build()
    path = str(tmp_path / f"{name}.pt2")
    model.export(path, format="torch")
    assert "Saved artifact" in capsys.readouterr().out
    program = torch.export.load(path).module()
    for x in _batches(shape):
        got = program(torch.from_numpy(x)).detach().cpu().numpy()
        np.testing.assert_allclose(got, model.predict(x, verbose=0),
                                   atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", list(MODELS))
def test_onnx_model_equals_predict(tmp_path, name):
    ort = pytest.importorskip("onnxruntime")
    build, shape = MODELS[name]
    model = build()
    path = str(tmp_path / f"{name}.onnx")
    model.export(path, format="onnx", verbose=False)
    session = ort.InferenceSession(path)
    (feed,) = session.get_inputs()
    assert feed.shape[1:] == list(shape)
    assert isinstance(feed.shape[0], str)   # the dynamic batch dimension
    for x in _batches(shape):
        (got,) = session.run(None, {feed.name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0),
                                   atol=1e-5, rtol=0)


def test_torch_program_runs_without_lamina(tmp_path):
    model = mnist_convnet()
    path = str(tmp_path / "convnet.pt2")
    model.export(path, format="torch", verbose=False)
    x = _batches((28, 28, 1))[1]
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys\n"
        "sys.modules['lamina'] = None  # any import of lamina fails\n"
        "import numpy as np, torch\n"
        f"program = torch.export.load({path!r}).module()\n"
        f"x = torch.from_numpy(np.load({str(tmp_path / 'x.npy')!r}))\n"
        f"np.save({str(tmp_path / 'y.npy')!r}, program(x).numpy())\n"
        "assert not any(m.startswith('lamina') for m in sys.modules"
        " if sys.modules[m] is not None)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True,
                   cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": ""})
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"),
                               model.predict(x, verbose=0), atol=1e-5, rtol=0)


def test_two_input_functional_model(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    a = keras.Input((3,), name="a")
    b = keras.Input((5,), name="b")
    out = keras.layers.Dense(2)(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    xa, xb = (np.random.default_rng(2).normal(size=(4, n)).astype("float32")
              for n in (3, 5))
    expected = model.predict([xa, xb], verbose=0)
    model.export(str(tmp_path / "m.pt2"), format="torch", verbose=False)
    program = torch.export.load(str(tmp_path / "m.pt2")).module()
    got = program([torch.from_numpy(xa), torch.from_numpy(xb)])
    np.testing.assert_allclose(got.cpu().numpy(), expected, atol=1e-5, rtol=0)
    model.export(str(tmp_path / "m.onnx"), format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    (got,) = session.run(None, {"a": xa, "b": xb})
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_subclassed_model_built_by_a_call(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
    x = np.ones((7, 4), "float32")
    expected = model.predict(x, verbose=0)
    model.export(str(tmp_path / "net.pt2"), format="torch", verbose=False)
    program = torch.export.load(str(tmp_path / "net.pt2")).module()
    np.testing.assert_allclose(program(torch.from_numpy(x)).cpu().numpy(),
                               expected, atol=1e-5, rtol=0)
    # Built on a batch of 7, exported with a dynamic batch.
    np.testing.assert_allclose(program(torch.from_numpy(x[:2])).cpu().numpy(),
                               expected[:2], atol=1e-5, rtol=0)


def test_sequential_built_without_input(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3)])
    model.build((None, 4))
    model.export(str(tmp_path / "m.pt2"), format="torch", verbose=False)
    program = torch.export.load(str(tmp_path / "m.pt2")).module()
    x = np.ones((5, 4), "float32")
    np.testing.assert_allclose(program(torch.from_numpy(x)).cpu().numpy(),
                               model.predict(x, verbose=0), atol=1e-6)


def test_explicit_input_signature(tmp_path):
    model = seed_mlp()
    model.export(str(tmp_path / "m.pt2"), format="torch", verbose=False,
                 input_signature=[keras.InputSpec(shape=(None, 784),
                                                  dtype="float32")])
    program = torch.export.load(str(tmp_path / "m.pt2")).module()
    assert program(torch.zeros(3, 784)).shape == (3, 10)


def test_unbuilt_model_is_refused(tmp_path):
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="has not been built yet"):
        model.export(str(tmp_path / "m.pt2"), format="torch")


def test_unknown_and_foreign_formats_are_refused(tmp_path):
    model = seed_mlp()
    with pytest.raises(ValueError, match=r"Unrecognized format=tflite\. "
                                         r"Supported formats are: "
                                         r"\['torch', 'onnx'\]"):
        model.export(str(tmp_path / "m"), format="tflite")
    with pytest.raises(ValueError, match="needs TensorFlow"):
        model.export(str(tmp_path / "m"))   # Keras's default format


def test_torch_format_needs_pt2_path_and_known_kwargs(tmp_path):
    model = seed_mlp()
    with pytest.raises(ValueError, match="must end with '.pt2'"):
        model.export(str(tmp_path / "m.bin"), format="torch")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        model.export(str(tmp_path / "m.pt2"), format="torch", jit=True)


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    with pytest.raises(ImportError, match=r"pip install lamina\[onnx\]"):
        seed_mlp().export(str(tmp_path / "m.onnx"), format="onnx")


def test_export_leaves_the_module_modes_alone(tmp_path):
    model = seed_mlp()
    model.train()
    model.export(str(tmp_path / "m.pt2"), format="torch", verbose=False)
    assert all(m.training for m in model.modules())


def test_program_keeps_the_kernel_layout_without_warnings(tmp_path):
    # Convolution kernels are stored permuted for torch's convolution; the
    # program keeps their strides (no copy per call once loaded), and torch's
    # warning about non-contiguous weights is not passed on to the user.
    import warnings

    model = keras.Sequential([keras.Input((8, 8, 3)),
                              keras.layers.Conv2D(4, 3),
                              keras.layers.DepthwiseConv2D(3),
                              keras.layers.GlobalAveragePooling2D()])
    path = str(tmp_path / "m.pt2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.export(path, format="torch", verbose=False)
    state = torch.export.load(path).state_dict
    for layer in model.layers[:2]:
        key = next(k for k in state if k.endswith(f"{layer.name}.kernel"))
        assert state[key].stride() == layer.kernel.stride()
        np.testing.assert_array_equal(state[key].cpu().numpy(),
                                      layer.kernel.detach().cpu().numpy())
