"""float64 Dense and LayerNormalization models match Keras 3 within 1e-12:
the forward pass and one SGD step's weights.

The reference is Keras 3 on JAX with `jax_enable_x64`, run in a
subprocess. Keras 3 computes float64 layers partly in float32 on every
backend but TensorFlow: its type promotion (`backend.result_type`) maps
float64 to float32, so `tanh` of a float64 tensor and LayerNormalization
(which promotes its input with float32) return float32. The subprocess
lifts that one mapping, so Keras's own layer and optimizer code runs in
float64; without it the two differ by ~3e-7 (float32's precision)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina as keras

pytest.importorskip("jax", reason="jax (Keras's float64 reference backend) "
                    "is not installed: pip install 'jax[cpu]'")

_KERAS_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import jax
    jax.config.update("jax_enable_x64", True)
    import keras
    from keras.src.backend.common import dtypes

    # Keras's type promotion maps float64 to float32 on every backend but
    # TensorFlow ("to be aligned with JAX's default", whatever x64 says), so
    # tanh and LayerNormalization would compute in float32; without that
    # mapping the same Keras code computes in float64.
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
    data = np.load(sys.argv[1])
    keras.config.set_floatx("float64")
    model = keras.Sequential([
        keras.Input((6,), dtype="float64"),
        keras.layers.Dense(5, activation="tanh"),
        keras.layers.LayerNormalization(epsilon=1e-3),
        keras.layers.Dense(3),
    ])
    model.set_weights([data[f"w{i}"] for i in range(6)])
    forward = np.asarray(model(data["x"]))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.train_on_batch(data["x"], data["y"])
    np.savez(sys.argv[2], forward=forward,
             **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    print(json.dumps({"forward_dtype": str(forward.dtype),
                      "weight_dtypes": [str(w.dtype)
                                        for w in model.weights]}))
""")


def _inputs():
    rng = np.random.default_rng(7)
    shapes = [(6, 5), (5,), (5,), (5,), (5, 3), (3,)]
    weights = [rng.normal(size=s) for s in shapes]
    weights[2] += 1.0  # the LayerNormalization scale, around 1
    return weights, rng.normal(size=(4, 6)), rng.normal(size=(4, 3))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("float64")
    weights, x, y = _inputs()
    np.savez(folder / "in.npz", x=x, y=y,
             **{f"w{i}": w for i, w in enumerate(weights)})
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    done = subprocess.run(
        [sys.executable, "-c", _KERAS_SCRIPT, str(folder / "in.npz"),
         str(folder / "out.npz")], env=env, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    dtypes = json.loads(done.stdout.strip().splitlines()[-1])
    # The reference really computed in float64.
    assert dtypes["forward_dtype"] == "float64"
    assert set(dtypes["weight_dtypes"]) == {"float64"}
    return dict(np.load(folder / "out.npz"))


@pytest.fixture(autouse=True)
def floatx_float64():
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


def _model():
    weights, _, _ = _inputs()
    model = keras.Sequential([
        keras.Input((6,), dtype="float64"),
        keras.layers.Dense(5, activation="tanh"),
        keras.layers.LayerNormalization(epsilon=1e-3),
        keras.layers.Dense(3),
    ])
    model.set_weights(weights)
    return model


def test_forward_matches_keras_in_float64(reference):
    _, x, _ = _inputs()
    model = _model()
    assert {str(w.dtype) for w in model.weights} == {"torch.float64"}
    out = keras.ops.convert_to_numpy(model(x))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, reference["forward"], rtol=0, atol=1e-12)
    # Through predict too: float64 data stays float64.
    predicted = model.predict(x, verbose=0)
    assert predicted.dtype == np.float64
    np.testing.assert_allclose(predicted, reference["forward"], rtol=0,
                               atol=1e-12)


def test_one_sgd_step_matches_keras_in_float64(reference):
    _, x, y = _inputs()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.train_on_batch(x, y)
    for i, weight in enumerate(model.get_weights()):
        assert weight.dtype == np.float64
        np.testing.assert_allclose(weight, reference[f"w{i}"], rtol=0,
                                   atol=1e-12)
