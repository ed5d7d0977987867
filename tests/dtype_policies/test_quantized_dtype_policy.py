"""Quantized dtype policies: names, configs and errors as Keras 3's."""

import pytest

from lamina import dtype_policies
from lamina import layers

NAMES = ["int8_from_float32", "int8_from_mixed_bfloat16",
         "int4_from_float32", "int4/128_from_float32",
         "int4/-1_from_bfloat16", "float8_from_mixed_bfloat16",
         "gptq/4/128_from_float32", "awq/4/-1_from_float32"]


@pytest.mark.parametrize("name", NAMES)
def test_policies_match_keras(keras_ref, name):
    ours = dtype_policies.get(name)
    theirs = keras_ref.dtype_policies.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert (ours.name, ours.compute_dtype, ours.variable_dtype,
            ours.quantization_mode) == (
        theirs.name, theirs.compute_dtype, theirs.variable_dtype,
        theirs.quantization_mode)
    config = dtype_policies.serialize(ours)
    assert config == keras_ref.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(config) == ours
    assert repr(ours) == repr(theirs)


def test_policy_map_and_layer_dtype():
    policy_map = dtype_policies.DTypePolicyMap(
        "float32", {"dense": "int8_from_float32"})
    assert policy_map["dense"].quantization_mode == "int8"
    back = dtype_policies.deserialize(dtype_policies.serialize(policy_map))
    assert back["dense"] == dtype_policies.get("int8_from_float32")
    layer = layers.Dense(3, dtype="int4/32_from_float32")
    assert layer.quantization_mode == "int4"
    assert layer.dtype_policy.block_size == 32


@pytest.mark.parametrize("name, message", [
    ("int8_from_float16", "doesn't work well with compute_dtype='float16'"),
    ("int4/0_from_float32", "Invalid block_size"),
    ("int4/x_from_float32", "must be an integer"),
    ("gptq/5/128_from_float32", "Supported values are 2, 3, 4, and 8"),
    ("gptq/4_from_float32", "Expected format 'gptq/<weight_bits>/"),
    ("awq/8/128_from_float32", "AWQ only supports 4-bit"),
    ("int8", "valid pair"),
])
def test_bad_policy_names(keras_ref, name, message):
    with pytest.raises(ValueError, match=message):
        dtype_policies.get(name)
    with pytest.raises(ValueError, match=message):
        keras_ref.dtype_policies.get(name)


def test_float8_history_length_is_an_int():
    policy = dtype_policies.QuantizedFloat8DTypePolicy(
        "float8", "float32", amax_history_length=16)
    assert policy.get_config()["amax_history_length"] == 16
    with pytest.raises(TypeError, match="amax_history_length"):
        dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", 1.5)
