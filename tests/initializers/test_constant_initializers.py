"""Zeros, Ones, Constant and Identity: exact values and configs vs Keras."""

import numpy as np
import pytest
import torch

from lamina import initializers


def _keras_values(keras, init, shape, dtype=None):
    return keras.ops.convert_to_numpy(init(shape, dtype=dtype))


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int32"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 5), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", ["Zeros", "Ones"])
def test_zeros_ones_equal_keras(keras_ref, name, shape, dtype):
    out = getattr(initializers, name)()(shape, dtype=dtype)
    expected = _keras_values(
        keras_ref, getattr(keras_ref.initializers, name)(), shape, dtype
    )
    assert out.dtype == torch.from_numpy(expected).dtype
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


@pytest.mark.parametrize(
    "value", [0.0, 3.5, -2, [1.0, 2.0, 3.0], np.arange(3.0)], ids=str
)
def test_constant_equals_keras(keras_ref, value):
    out = initializers.Constant(value)((4, 3))
    expected = _keras_values(keras_ref, keras_ref.initializers.Constant(value),
                             (4, 3))
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


def test_constant_configs_equal_keras(keras_ref):
    for value in [0.0, 2, 1.5, np.array([1.0, 2.0])]:
        ours = initializers.serialize(initializers.Constant(value))
        theirs = keras_ref.initializers.serialize(
            keras_ref.initializers.Constant(value)
        )
        assert ours == theirs
        back = initializers.deserialize(ours)
        np.testing.assert_array_equal(back((2,)), initializers.Constant(
            value)((2,)))
    tensor_value = initializers.Constant(torch.tensor([1.0, 2.0]))
    keras_value = keras_ref.initializers.Constant(
        keras_ref.ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    )
    assert tensor_value.get_config() == keras_value.get_config()
    np.testing.assert_array_equal(
        initializers.deserialize(initializers.serialize(tensor_value))((2,)),
        [1.0, 2.0],
    )


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (5, 2)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_identity_equals_keras(keras_ref, shape, gain):
    out = initializers.Identity(gain=gain)(shape)
    expected = _keras_values(
        keras_ref, keras_ref.initializers.Identity(gain=gain), shape
    )
    np.testing.assert_array_equal(out.cpu().numpy(), expected)


def test_identity_config(keras_ref):
    # Keras writes `{}` (dropping `gain`); the default matches it exactly and
    # a non-default gain is kept, in a form Keras also reads back.
    assert initializers.Identity().get_config() == \
        keras_ref.initializers.Identity().get_config() == {}
    config = initializers.serialize(initializers.Identity(gain=3.0))
    assert config["config"] == {"gain": 3.0}
    assert initializers.deserialize(config).gain == 3.0
    assert keras_ref.initializers.deserialize(config).gain == 3.0


def test_identity_needs_a_matrix():
    with pytest.raises(ValueError, match="2D matrices"):
        initializers.Identity()((2, 2, 2))


def test_default_dtype_is_floatx_and_tensors_are_on_cpu():
    for init in [initializers.Zeros(), initializers.Ones(),
                 initializers.Constant(1.0), initializers.Identity()]:
        out = init((2, 2))
        assert out.dtype == torch.float32
        assert out.device.type == "cpu"
    out = initializers.Ones()((2,), dtype=torch.float64)
    assert out.dtype == torch.float64


@pytest.mark.parametrize("shape", [(2, -1), (None, 3), "ab"], ids=str)
def test_bad_shapes_fail_clearly(shape):
    with pytest.raises(ValueError, match="Invalid value for argument `shape`"):
        initializers.Zeros()(shape)
