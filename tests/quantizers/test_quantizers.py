"""The quantizer functions against Keras 3 (torch backend) on random
inputs: values and dtypes."""

import numpy as np
import pytest
import torch

import lamina
from lamina import quantizers


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _same(ours, theirs, keras, exact=True):
    theirs = keras.ops.convert_to_numpy(theirs)
    ours = _np(ours)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        # float32 arithmetic in a different order: a few ulps.
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("axis, to_numpy", [(0, False), (-1, True),
                                            ((0, 1), False)])
def test_abs_max_quantize(keras_ref, axis, to_numpy):
    x = np.random.default_rng(1).standard_normal((6, 5, 4)).astype("float32")
    q, s = quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    kq, ks = keras_ref.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    _same(q, kq, keras_ref)
    _same(s, ks, keras_ref)


def test_abs_max_quantizer_int4_range_and_config(keras_ref):
    x = np.random.default_rng(2).standard_normal((8, 3)).astype("float32")
    ours = quantizers.AbsMaxQuantizer(value_range=(-8, 7))
    theirs = keras_ref.quantizers.AbsMaxQuantizer(value_range=(-8, 7))
    _same(ours(x, axis=0)[0], theirs(x, axis=0)[0], keras_ref)
    assert ours.get_config() == theirs.get_config()
    with pytest.raises(ValueError, match="within the interval"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))


@pytest.mark.parametrize("to_numpy, rows, block", [
    (False, 12, 4), (False, 10, 4), (True, 10, 4), (True, 6, 8)])
def test_grouped_with_zero_point(keras_ref, to_numpy, rows, block):
    x = np.random.default_rng(3).standard_normal((rows, 5)).astype("float32")
    x[:, 0] = 0.5  # a constant column: the zero-range case
    ours = quantizers.abs_max_quantize_grouped_with_zero_point(
        x, block, to_numpy=to_numpy)
    theirs = keras_ref.quantizers.abs_max_quantize_grouped_with_zero_point(
        x, block, to_numpy=to_numpy)
    _same(ours[0], theirs[0], keras_ref)
    _same(ours[1], theirs[1], keras_ref, exact=False)
    _same(ours[2], theirs[2], keras_ref)


@pytest.mark.parametrize("axis, dtype", [(0, "int8"), (1, "uint8"),
                                         (-1, "int8")])
def test_pack_unpack_int4(keras_ref, axis, dtype):
    rng = np.random.default_rng(4)
    low, high = (-8, 8) if dtype == "int8" else (0, 16)
    x = rng.integers(low, high, (5, 3)).astype(dtype)
    packed, shape, length = quantizers.pack_int4(x, axis=axis, dtype=dtype)
    kpacked, kshape, klength = keras_ref.quantizers.pack_int4(
        x, axis=axis, dtype=dtype)
    _same(packed, kpacked, keras_ref)
    assert (shape, length) == (tuple(kshape), klength)
    unpacked = quantizers.unpack_int4(packed, length, axis=axis, dtype=dtype)
    np.testing.assert_array_equal(_np(unpacked), x)


@pytest.mark.parametrize("source, dtype", [("int8", "int8"),
                                           ("uint8", "uint8"),
                                           ("int8", "uint8")])
def test_unpack_int4_of_any_byte(keras_ref, source, dtype):
    packed = np.arange(256, dtype="uint8").astype(source).reshape(4, 64)
    _same(quantizers.unpack_int4(packed, 127, axis=1, dtype=dtype),
          keras_ref.quantizers.unpack_int4(packed, 127, axis=1, dtype=dtype),
          keras_ref)


def test_pack_int4_errors():
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        quantizers.pack_int4(np.zeros((2, 2), "int8"), dtype="int16")
    with pytest.raises(TypeError, match="Expected int8 tensor"):
        quantizers.pack_int4(np.zeros((2, 2), "int32"))


def test_float8_functions(keras_ref):
    rng = np.random.default_rng(5)
    history = np.abs(rng.standard_normal(16)).astype("float32")
    x = (rng.standard_normal((4, 6)) * 30).astype("float32")
    for amax in (np.float32(3.0), np.float32(0.0), np.float32(np.inf)):
        _same(quantizers.compute_float8_scale(amax, np.float32(0.5), 448.0),
              keras_ref.quantizers.compute_float8_scale(
                  amax, np.float32(0.5), 448.0), keras_ref, exact=False)
    _same(quantizers.compute_float8_amax_history(x, history),
          keras_ref.quantizers.compute_float8_amax_history(x, history),
          keras_ref)
    for dtype in ("float8_e4m3fn", "float8_e5m2"):
        _same(quantizers.quantize_and_dequantize(
                  x, np.float32(0.1), dtype, "float32"),
              keras_ref.quantizers.quantize_and_dequantize(
                  x, np.float32(0.1), dtype, "float32"), keras_ref)


@pytest.mark.parametrize("axis, narrow", [(None, False), (None, True),
                                          (-1, False)])
def test_fake_quant_values_and_gradients(keras_ref, axis, narrow):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((5, 3)) * 2).astype("float32")
    low = np.float32(-1.0) if axis is None else np.array(
        [-1.0, -0.5, -2.0], "float32")
    high = np.float32(1.5) if axis is None else np.array(
        [1.0, 0.7, 3.0], "float32")

    def run(fn):
        xs, lo, hi = (torch.tensor(v, requires_grad=True)
                      for v in (x, low, high))
        out = fn(xs, lo, hi, num_bits=8, narrow_range=narrow, axis=axis)
        weights = torch.linspace(0.5, 1.5, out.numel()).reshape(out.shape)
        (out * weights).sum().backward()
        return [t.detach().cpu().numpy()
                for t in (out, xs.grad, lo.grad, hi.grad)]

    ours = run(quantizers.fake_quant_with_min_max_vars)
    theirs = run(keras_ref.quantizers.fake_quant_with_min_max_vars)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_configs_serialize_as_keras(keras_ref):
    pairs = [
        (quantizers.Int8QuantizationConfig(),
         keras_ref.quantizers.Int8QuantizationConfig()),
        (quantizers.Int8QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(axis=0),
            activation_quantizer=None),
         keras_ref.quantizers.Int8QuantizationConfig(
             weight_quantizer=keras_ref.quantizers.AbsMaxQuantizer(axis=0),
             activation_quantizer=None)),
        (quantizers.Int4QuantizationConfig(block_size=64),
         keras_ref.quantizers.Int4QuantizationConfig(block_size=64)),
        (quantizers.Float8QuantizationConfig(),
         keras_ref.quantizers.Float8QuantizationConfig()),
    ]
    for ours, theirs in pairs:
        config = quantizers.serialize(ours)
        assert config == keras_ref.quantizers.serialize(theirs)
        back = quantizers.deserialize(config)
        assert type(back) is type(ours) and back.mode == ours.mode
        assert quantizers.serialize(back) == config
        # Keras reads ours.
        assert keras_ref.quantizers.deserialize(config).mode == ours.mode


def test_registry_get_and_errors():
    assert isinstance(quantizers.get("AbsMaxQuantizer"),
                      quantizers.AbsMaxQuantizer)
    assert isinstance(quantizers.get("abs_max_quantizer"),
                      quantizers.AbsMaxQuantizer)
    assert quantizers.get(None) is None
    with pytest.raises(ValueError, match="Unknown quantizer"):
        quantizers.get("no_such_quantizer")
    assert lamina.Quantizer is quantizers.Quantizer
    with pytest.raises(TypeError, match="base class"):
        quantizers.QuantizationConfig().mode


def test_config_validation():
    with pytest.raises(ValueError, match="output_dtype='int8'"):
        quantizers.Int8QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(
                value_range=(0, 255), output_dtype="uint8"))
    with pytest.raises(ValueError, match="block_size must be"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom"):
        quantizers.Int4QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(value_range=(-8, 7)))
    with pytest.raises(ValueError, match=r"value_range=\(-8, 7\)"):
        quantizers.Int4QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(), block_size=None)


@pytest.mark.parametrize("make", [
    lambda: quantizers.Int8QuantizationConfig(activation_quantizer="abs"),
    lambda: quantizers.Int8QuantizationConfig(weight_quantizer="int8"),
    lambda: quantizers.Int4QuantizationConfig(
        block_size=None, activation_quantizer=3),
])
def test_config_refuses_a_quantizer_that_is_not_one(make):
    # Keras keeps such a value and fails later, in the layer's call.
    with pytest.raises(ValueError, match="must be None or a quantizer"):
        make()


def test_fake_quant_in_a_functional_model():
    inputs = lamina.Input((3,))
    outputs = quantizers.fake_quant_with_min_max_vars(inputs, -1.0, 1.0)
    assert tuple(outputs.shape) == (None, 3)
    model = lamina.Model(inputs, outputs)
    x = np.array([[0.3, 2.0, -0.51]], "float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        _np(quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.0)))
