"""Quantized models move both ways between Keras 3.15 (torch backend) and
Lamina in `.keras` and `.weights.h5` files: Keras's variable names, order
and dtypes, and the layers' configs are Keras's. The loaded model predicts
what the writer predicted (compared at rtol=1e-5: the same operations, but
float32 kernels may sum in another order)."""

import json
import warnings

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 24)).astype("float32")
IDS = RNG.integers(0, 20, (3, 5)).astype("int32")


def dense_model(K):
    return K.Sequential([K.Input((24,)), K.layers.Dense(7, activation="relu"),
                         K.layers.Dense(5)])


def embedding_model(K):
    return K.Sequential([K.Input((5,), dtype="int32"),
                         K.layers.Embedding(20, 9), K.layers.Flatten(),
                         K.layers.Dense(3)])


def einsum_model(K):
    return K.Sequential([K.Input((3, 8)), K.layers.EinsumDense(
        "abc,cde->abde", output_shape=(3, 4, 5), bias_axes="de")])


X3 = RNG.standard_normal((2, 3, 8)).astype("float32")
CASES = [(einsum_model, X3, "int8"), (dense_model, X, "int4"),
         (dense_model, X, "float8"), (embedding_model, IDS, "int8"),
         (embedding_model, IDS, "int4")]
IDS_ = [f"{c[0].__name__}-{c[2]}" for c in CASES]


def _quantized(K, build, mode):
    model = build(K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode)
    return model


@pytest.mark.parametrize("build, data, mode", CASES, ids=IDS_)
def test_files_both_ways(keras_ref, tmp_path, build, data, mode):
    # Keras writes, Lamina reads.
    theirs = _quantized(keras_ref, build, mode)
    expected = keras_ref.ops.convert_to_numpy(theirs(data))
    theirs.save(tmp_path / "keras.keras")
    theirs.save_weights(tmp_path / "keras.weights.h5")
    loaded = lamina.saving.load_model(tmp_path / "keras.keras")
    assert loaded.layers[0].quantization_mode == mode
    np.testing.assert_allclose(loaded(data).detach().cpu().numpy(),
                               expected, rtol=1e-5, atol=1e-6)
    ours = _quantized(lamina, build, mode)
    ours.load_weights(tmp_path / "keras.weights.h5")
    np.testing.assert_allclose(ours(data).detach().cpu().numpy(), expected,
                               rtol=1e-5, atol=1e-6)

    # Lamina writes (its own quantized weights), Keras reads.
    ours = _quantized(lamina, build, mode)
    expected = ours(data).detach().cpu().numpy()
    ours.save(tmp_path / "lamina.keras")
    ours.save_weights(tmp_path / "lamina.weights.h5")
    loaded = keras_ref.saving.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(keras_ref.ops.convert_to_numpy(loaded(data)),
                               expected, rtol=1e-5, atol=1e-6)
    theirs.load_weights(tmp_path / "lamina.weights.h5")
    np.testing.assert_allclose(keras_ref.ops.convert_to_numpy(theirs(data)),
                               expected, rtol=1e-5, atol=1e-6)


def test_config_round_trip_builds_quantized_layers():
    model = _quantized(lamina, dense_model, "int4")
    clone = lamina.models.clone_model(model)
    layer = clone.layers[0]
    assert layer.dtype_policy.name == "int4/128_from_float32"
    assert [w.name for w in layer._saved_variables()] == [
        "kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"]
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone(X).detach().cpu().numpy(),
                               model(X).detach().cpu().numpy())


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantized_layer_configs_equal_keras(keras_ref, mode):
    makers = [lambda K: K.layers.Dense(4, name="d"),
              lambda K: K.layers.EinsumDense("ab,bc->ac", 4, name="e")]
    if mode != "float8":
        makers.append(lambda K: K.layers.ReversibleEmbedding(10, 4, name="r"))
    for make in makers:
        theirs, ours = make(keras_ref), make(lamina)
        shape = None if isinstance(ours, lamina.layers.Embedding) \
            else (None, 3)
        theirs.build(shape)
        ours.build(shape)
        theirs.quantize(mode)
        ours.quantize(mode)
        expected = json.loads(json.dumps(
            keras_ref.saving.serialize_keras_object(theirs)))
        got = json.loads(json.dumps(lamina.saving.serialize_keras_object(
            ours)))
        assert got == expected
