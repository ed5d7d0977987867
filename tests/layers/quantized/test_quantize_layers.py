"""`quantize()` on Dense and Embedding models against Keras 3 (torch
backend): the same float weights give the same quantized variables (names,
dtypes, values) and the same predictions; training after quantizing;
Keras's errors.

Tolerance: the quantized variables are equal (integers exactly, float
scales to float32 rounding); predictions are computed with the same
operations in the same dtypes, and are compared at rtol=1e-5, atol=1e-6
(float32 matmul kernels may sum in another order). Under mixed_bfloat16
they are equal too: scales are read in bfloat16 as Keras's autocast
reads them.
"""

import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina import quantizers

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 40)).astype("float32")
IDS = RNG.integers(0, 20, (3, 5)).astype("int32")


def dense_model(K):
    return K.Sequential([K.Input((40,)), K.layers.Dense(7, activation="relu"),
                         K.layers.Dense(5)])


def embedding_model(K):
    return K.Sequential([K.Input((5,), dtype="int32"),
                         K.layers.Embedding(20, 9)])


def einsum_model(K):
    return K.Sequential([K.Input((3, 8)), K.layers.EinsumDense(
        "abc,cde->abde", output_shape=(3, 4, 5), bias_axes="de")])


def einsum_reduce_model(K):
    # Two contracted axes: the scale layout squeezes one.
    return K.Sequential([K.Input((3, 8)), K.layers.EinsumDense(
        "abc,bcd->ad", output_shape=5, bias_axes="d")])


X3 = RNG.standard_normal((4, 3, 8)).astype("float32")


def mixed_dense_model(K):
    return K.Sequential([
        K.Input((40,)),
        K.layers.Dense(7, activation="relu", dtype="mixed_bfloat16"),
        K.layers.Dense(5, dtype="mixed_bfloat16")])


def _config(K, kind):
    q = K.quantizers
    return {
        None: None,
        "int8_weight_only": q.Int8QuantizationConfig(
            activation_quantizer=None),
        "int4_block_16": q.Int4QuantizationConfig(block_size=16),
        "int4_per_channel": q.Int4QuantizationConfig(block_size=None),
        "int4_block_4": q.Int4QuantizationConfig(block_size=4),
    }[kind]


def _quantized_pair(keras, build, mode, config=None):
    ours, theirs = build(lamina), build(keras)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.quantize(mode, config=_config(keras, config))
        ours.quantize(mode, config=_config(lamina, config))
    return ours, theirs


def _check_variables(ours, theirs, keras, atol=0):
    expected = {w.path: keras.ops.convert_to_numpy(w) for w in theirs.weights}
    got = {w.path: w.detach().cpu().numpy() for w in ours.weights}
    assert sorted(got) == sorted(expected)
    for path, value in expected.items():
        assert got[path].dtype == value.dtype, path
        np.testing.assert_allclose(got[path], value, rtol=1e-6, atol=atol,
                                   err_msg=path)


CASES = [(dense_model, X, "int8", None),
         (dense_model, X, "int8", "int8_weight_only"),
         (dense_model, X, "int4", "int4_block_16"),
         (dense_model, X, "int4", "int4_per_channel"),
         (dense_model, X, "float8", None),
         (mixed_dense_model, X, "int8", None),
         (mixed_dense_model, X, "int4", None),
         (embedding_model, IDS, "int8", None),
         (embedding_model, IDS, "int4", "int4_block_4"),
         (einsum_model, X3, "int8", None),
         (einsum_model, X3, "int4", "int4_per_channel"),
         (einsum_model, X3, "float8", None),
         (einsum_reduce_model, X3, "int8", "int8_weight_only"),
         (einsum_reduce_model, X3, "int4", "int4_block_4")]


@pytest.mark.parametrize("build, data, mode, config", CASES,
                         ids=[f"{c[0].__name__}-{c[2]}-{c[3]}" for c in CASES])
def test_quantize_matches_keras(keras_ref, build, data, mode, config):
    ours, theirs = _quantized_pair(keras_ref, build, mode, config)
    _check_variables(ours, theirs, keras_ref)
    expected = theirs(data)
    got = ours(data)
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(
        got.detach().cpu().float().numpy(),
        keras_ref.ops.convert_to_numpy(expected).astype("float32"),
        rtol=1e-5, atol=1e-6)
    layer = ours.layers[0]
    assert layer.dtype_policy == lamina.dtype_policies.get(
        theirs.layers[0].dtype_policy.name)
    assert lamina.quantizers.serialize(layer.quantization_config) == \
        keras_ref.quantizers.serialize(theirs.layers[0].quantization_config)


@pytest.mark.parametrize("tie_weights, mode, config", [
    (True, "int8", None), (False, "int8", "int8_weight_only"),
    (True, "int4", "int4_block_4"), (False, "int4", "int4_per_channel"),
    (False, "int4", "int4_block_4")])
def test_reversible_embedding_matches_keras(keras_ref, tie_weights, mode,
                                            config):
    def build(K):
        layer = K.layers.ReversibleEmbedding(20, 9, tie_weights=tie_weights,
                                             logit_soft_cap=5.0)
        layer.build()
        return layer

    ours, theirs = _quantized_pair(keras_ref, build, mode, config)
    _check_variables(ours, theirs, keras_ref)
    hidden = RNG.standard_normal((3, 9)).astype("float32")
    for data, reverse in ((IDS, False), (hidden, True)):
        np.testing.assert_allclose(
            ours(data, reverse=reverse).detach().cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs(data, reverse=reverse)),
            rtol=1e-5, atol=1e-6)
    ours_store, their_store = {}, {}
    ours.save_own_variables(ours_store)
    theirs.save_own_variables(their_store)
    assert sorted(ours_store) == sorted(their_store)
    for key, value in their_store.items():
        value = keras_ref.ops.convert_to_numpy(value)
        assert ours_store[key].dtype == value.dtype
        np.testing.assert_allclose(ours_store[key], value, rtol=1e-6)


@pytest.mark.parametrize("make, shape, data", [
    (lambda K: K.layers.Dense(6), (None, 40), X),
    (lambda K: K.layers.Embedding(20, 9), None, IDS),
    (lambda K: K.layers.EinsumDense("ab,bc->ac", 6, bias_axes="c"),
     (None, 40), X)], ids=["dense", "embedding", "einsum_dense"])
def test_lora_on_int4_matches_keras(keras_ref, make, shape, data):
    # LoRA adapts the float shape; saving merges it into a re-quantized
    # weight exactly as Keras does.
    theirs, ours = make(keras_ref), make(lamina)
    theirs.build(shape)
    ours.build(shape)
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    for layer in (theirs, ours):
        layer.quantize("int4")
        layer.enable_lora(2)
    target = "embeddings" if shape is None else "kernel"
    for part in "ab":
        value = getattr(theirs, f"lora_{target}_{part}")
        value.assign(RNG.standard_normal(tuple(value.shape)) * 0.1)
        getattr(ours, f"lora_{target}_{part}").assign(
            keras_ref.ops.convert_to_numpy(value))
    np.testing.assert_allclose(
        ours(data).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(data)), rtol=1e-5, atol=1e-6)
    ours_store, their_store = {}, {}
    ours.save_own_variables(ours_store)
    theirs.save_own_variables(their_store)
    assert sorted(ours_store) == sorted(their_store)
    for key, value in their_store.items():
        value = keras_ref.ops.convert_to_numpy(value)
        assert ours_store[key].dtype == value.dtype
        np.testing.assert_allclose(ours_store[key], value, rtol=1e-6)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_training_steps_match_keras(keras_ref, mode):
    # Keras's custom gradients (straight-through inputs, frozen int
    # weights) and float8's scale/history updates: same losses, same
    # weights after three SGD steps.
    ours, theirs = _quantized_pair(keras_ref, dense_model, mode)
    ours.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    theirs.compile(optimizer=keras_ref.optimizers.SGD(0.1), loss="mse")
    y = RNG.standard_normal((6, 5)).astype("float32")
    for _ in range(3):
        np.testing.assert_allclose(ours.train_on_batch(X, y),
                                   theirs.train_on_batch(X, y), rtol=1e-6)
    # Gradients are float32 sums whose order may differ: ulps of the
    # largest values.
    _check_variables(ours, theirs, keras_ref, atol=1e-7)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_fit_after_quantize(mode):
    model = dense_model(lamina)
    model.quantize(mode)
    frozen = {w.path: w.detach().clone() for w in model.weights
              if w.dtype == torch.int8}
    bias = model.layers[0].bias.detach().clone()
    model.compile(optimizer="adam", loss="mse")
    y = RNG.standard_normal((6, 5)).astype("float32")
    history = model.fit(X, y, epochs=3, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert not torch.equal(bias, model.layers[0].bias.detach())
    for weight in model.weights:
        if weight.path in frozen:
            assert torch.equal(frozen[weight.path], weight.detach())


def test_float8_training_updates_scales_and_history():
    model = dense_model(lamina)
    model.quantize("float8")
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, np.ones((6, 5), "float32"), epochs=1, batch_size=6,
              verbose=0)
    layer = model.layers[0]
    assert layer.inputs_amax_history[0].item() == pytest.approx(
        float(np.abs(X).max()))
    assert layer.kernel_amax_history[0].item() > 0
    assert layer.outputs_grad_amax_history[0].item() > 0
    # A step with an all-zero history keeps the scale (Keras's rule).
    assert layer.inputs_scale.item() == 1.0


def test_inputs_gradient_is_straight_through():
    layer = lamina.layers.Dense(4)
    layer.build((None, 8))
    layer.quantize("int8")
    x = torch.randn(3, 8, requires_grad=True)
    layer(x).sum().backward()
    kernel = layer._parameters["kernel"].float() / layer.kernel_scale
    torch.testing.assert_close(x.grad, kernel.sum(dim=1).expand(3, 8))


def test_lora_on_top_of_int8_trains_and_saves():
    layer = lamina.layers.Dense(4)
    layer.build((None, 8))
    layer.quantize("int8")
    layer.enable_lora(2)
    assert [w.name for w in layer.trainable_weights] == [
        "bias", "lora_kernel_a", "lora_kernel_b"]
    x = torch.randn(3, 8)
    layer(x).sum().backward()
    assert layer.lora_kernel_b.grad is not None
    with torch.no_grad():
        layer.lora_kernel_b.normal_()
    expected = layer(x).detach()
    # Saving requantizes the merged kernel (Keras's layout: no LoRA entry).
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2"] and store["0"].dtype == np.int8
    fresh = lamina.layers.Dense(4, dtype="int8_from_float32")
    fresh.build((None, 8))
    fresh.load_own_variables(store)
    torch.testing.assert_close(fresh(x), expected, rtol=0.05, atol=0.05)


def test_model_quantize_filters_and_warnings():
    model = lamina.Sequential([lamina.Input((40,)),
                               lamina.layers.Dense(7, name="first"),
                               lamina.layers.Dropout(0.1),
                               lamina.layers.Dense(5, name="second")])
    with pytest.warns(UserWarning, match="Dropout does not have a `quantize`"):
        model.quantize("int8", filters="first|dropout")
    assert model.get_layer("first").quantization_mode == "int8"
    assert model.get_layer("second").quantization_mode is None
    model.quantize("int4", filters=lambda layer: layer.name == "second")
    assert model.get_layer("second").quantization_mode == "int4"


@pytest.mark.parametrize("call, message", [
    (lambda m: m.quantize("int3"), "Invalid quantization mode"),
    (lambda m: m.quantize("int8", config=3),
     "must be an instance of `QuantizationConfig`"),
    (lambda m: m.quantize(
        "int8", config=quantizers.Int4QuantizationConfig()),
     "Contradictory arguments"),
    (lambda m: m.quantize("gptq"), "you must pass a `GPTQConfig`"),
    (lambda m: m.quantize("int8", filters=3), "`filters` argument"),
    (lambda m: m.quantize("int8", bad=1), "Unrecognized keyword"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(dense_model(lamina))


def test_layer_errors():
    layer = lamina.layers.Dense(3)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.quantize("int8")
    layer.build((None, 4))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized with "
                       "dtype_policy='int8_from_float32'"):
        layer.quantize("int8")
    with pytest.raises(ValueError, match="invalid value for argument "
                       "`quantization_config`"):
        lamina.layers.Dense(3, quantization_config="int8")
    half = lamina.layers.Dense(3, dtype="float16")
    half.build((None, 4))
    with pytest.raises(ValueError, match="compute_dtype='float16'"):
        half.quantize("int8")

    class MyDense(lamina.layers.Dense):
        pass

    mine = MyDense(3)
    mine.build((None, 4))
    with pytest.raises(TypeError, match="does not have a `quantize`"):
        mine.quantize("int8")
    # What Keras raises (and code written for it catches) there.
    with pytest.raises(NotImplementedError, match="does not have a"):
        mine.quantize("int8")
    with pytest.raises(NotImplementedError, match="float8"):
        embedding = lamina.layers.Embedding(4, 2)
        embedding.build((None,))
        embedding.quantize("float8")
    mine.quantize("int8", type_check=False)
    assert mine.quantization_mode == "int8"


def test_setting_a_quantized_policy_quantizes_a_built_layer():
    layer = lamina.layers.Dense(3)
    layer.build((None, 4))
    layer.dtype_policy = "int8_from_float32"
    assert layer._parameters["kernel"].dtype == torch.int8
    assert layer.kernel_scale.shape == (3,)
    other = lamina.layers.Dense(3)
    other.build((None, 4))
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ"):
        other.dtype_policy = "gptq/4/-1_from_float32"


def test_int4_weight_reads_unpacked_as_keras(keras_ref):
    ours, theirs = _quantized_pair(keras_ref, einsum_model, "int4")
    expected = keras_ref.ops.convert_to_numpy(theirs.layers[0].kernel)
    got = ours.layers[0].kernel
    assert got.dtype == torch.int8 and tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.cpu().numpy(), expected)


def test_config_is_the_second_argument():
    layer = lamina.layers.Dense(3)
    layer.build((None, 16))
    layer.quantize("int4", quantizers.Int4QuantizationConfig(block_size=8))
    assert layer.dtype_policy.name == "int4/8_from_float32"


@pytest.mark.parametrize("mode", ["int8", "int4"])
@pytest.mark.parametrize("make, shape, x", [
    (lambda L: L.Dense(4), (None, 6), np.ones((2, 6), "float32")),
    (lambda L: L.Embedding(6, 4), (None,), np.array([[0, 3, 5]])),
    (lambda L: L.EinsumDense("ab,bc->ac", output_shape=4), (None, 6),
     np.ones((2, 6), "float32")),
])
def test_quantize_a_layer_with_lora_enabled(keras_ref, mode, make, shape, x):
    # int4 failed: re-registering the packed kernel read `kernel`, merged
    # with the (unpacked-shape) LoRA update.
    outputs = []
    for lib in (lamina, keras_ref):
        layer = make(lib.layers)
        layer.build(shape)
        layer.enable_lora(2)
        layer.set_weights([
            np.random.default_rng(i).normal(size=tuple(w.shape)).astype(
                "float32") for i, w in enumerate(layer.get_weights())])
        layer.quantize(mode)
        outputs.append(keras_ref.ops.convert_to_numpy(layer(x)))
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-6, atol=1e-6)
