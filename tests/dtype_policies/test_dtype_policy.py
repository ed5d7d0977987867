"""DTypePolicy, DTypePolicyMap and the global policy functions, checked
against Keras 3."""

import json

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import dtype_policies


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16",
                                  "float32", "float64", "bfloat16",
                                  "float16"])
def test_policy_dtypes_match_keras(keras_ref, name):
    ours = dtype_policies.DTypePolicy(name)
    theirs = keras_ref.dtype_policies.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == \
        (theirs.name, theirs.compute_dtype, theirs.variable_dtype)
    assert repr(ours) == repr(theirs)
    assert ours.get_config() == theirs.get_config()
    assert ours.quantization_mode is None
    assert keras.saving.serialize_keras_object(ours) == \
        keras_ref.saving.serialize_keras_object(theirs)


@pytest.mark.parametrize("bad", ["mixed_int8", "float8", "nope",
                                 "mixed_float32"])
def test_bad_policy_names_fail_as_keras(keras_ref, bad):
    with pytest.raises(ValueError) as theirs:
        keras_ref.dtype_policies.DTypePolicy(bad)
    with pytest.raises(ValueError) as ours:
        dtype_policies.DTypePolicy(bad)
    assert str(ours.value) == str(theirs.value)
    # A name starting with a quantization mode ("float8") is read as a
    # quantized policy name, in Keras too.
    for set_policy in (lambda k: k.config.set_dtype_policy(bad),
                       lambda k: k.layers.Dense(2, dtype=bad)):
        with pytest.raises(ValueError) as theirs:
            set_policy(keras_ref)
        with pytest.raises(ValueError) as ours:
            set_policy(keras)
        assert str(ours.value) == str(theirs.value)


def test_policy_name_must_be_a_string():
    with pytest.raises(TypeError, match="'name' must be a string"):
        dtype_policies.DTypePolicy(3)
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        keras.config.set_dtype_policy(5)


def test_global_policy_functions():
    assert keras.config.dtype_policy().name == "float32"
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert keras.config.dtype_policy() == \
            keras.mixed_precision.Policy("mixed_bfloat16")
        layer = keras.layers.Dense(2)
        assert layer.dtype_policy.name == "mixed_bfloat16"
        assert layer.compute_dtype == "bfloat16"
        assert layer.dtype == layer.variable_dtype == "float32"
        keras.config.set_dtype_policy(dtype_policies.DTypePolicy("float16"))
        assert keras.layers.Dense(2).compute_dtype == "float16"
    finally:
        keras.config.set_dtype_policy(None)
    assert keras.config.dtype_policy().name == "float32"
    keras.config.set_floatx("float64")
    try:
        assert keras.config.dtype_policy().name == "float64"
    finally:
        keras.config.set_floatx("float32")


def test_mixed_precision_namespace_matches_keras(keras_ref):
    ours = {n for n in dir(keras.mixed_precision) if not n.startswith("_")}
    theirs = {n for n in dir(keras_ref.mixed_precision)
              if not n.startswith("_")}
    assert theirs <= ours
    assert keras.mixed_precision.Policy is dtype_policies.DTypePolicy
    assert issubclass(dtype_policies.FloatDTypePolicy,
                      dtype_policies.DTypePolicy)


def test_policy_map_lookup_as_keras(keras_ref):
    def build(lib):
        policies = lib.dtype_policies.DTypePolicyMap(
            default_policy="mixed_bfloat16")
        policies["encoder/layer_0/dense"] = "bfloat16"
        policies["encoder/.*"] = "float16"
        policies["decoder"] = "float64"
        return policies

    ours, theirs = build(keras), build(keras_ref)
    for path in ["encoder/layer_0/dense", "encoder/attention/query",
                 "decoder", "decoder/attention", "other"]:
        assert ours[path].name == theirs[path].name, path
    assert ours.name == theirs.name == "map_mixed_bfloat16"
    assert (ours.compute_dtype, ours.variable_dtype) == \
        (theirs.compute_dtype, theirs.variable_dtype)
    assert len(ours) == 3 and "decoder" in ours
    assert ours.get_config() == theirs.get_config()
    ours["encoder/attention/.*"] = "float32"
    theirs["encoder/attention/.*"] = "float32"
    with pytest.raises(ValueError, match="matches multiple"):
        ours["encoder/attention/query"]
    with pytest.raises(ValueError, match="already exist"):
        ours["decoder"] = "float16"
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dtype_policies.DTypePolicyMap(default_policy=ours)
    with pytest.raises(TypeError, match="must be a dict"):
        dtype_policies.DTypePolicyMap(policy_map=[1])
    with pytest.raises(ValueError, match="Cannot convert 'nope'"):
        ours["x"] = "nope"


def test_policy_map_config_round_trip_reads_keras_config(keras_ref):
    theirs = keras_ref.dtype_policies.DTypePolicyMap(
        default_policy="mixed_float16")
    theirs["dense_1"] = "float64"
    config = json.loads(json.dumps(
        keras_ref.saving.serialize_keras_object(theirs)))
    ours = dtype_policies.get(config)
    assert isinstance(ours, dtype_policies.DTypePolicyMap)
    assert ours["dense_1"].name == "float64"
    assert ours["dense_2"].name == "mixed_float16"
    assert dtype_policies.serialize(ours) == config


def test_layer_takes_its_policy_from_a_map():
    policies = dtype_policies.DTypePolicyMap(
        default_policy="float32", policy_map={"head": "mixed_bfloat16"})
    head = keras.layers.Dense(2, dtype=policies, name="head")
    body = keras.layers.Dense(2, dtype=policies, name="body")
    x = np.ones((3, 4), "float32")
    assert head(x).dtype == torch.bfloat16 and body(x).dtype == torch.float32
    assert head.get_config()["dtype"]["class_name"] == "DTypePolicyMap"
    clone = keras.layers.Dense.from_config(head.get_config())
    assert clone.compute_dtype == "bfloat16"


def test_mixed_layer_config_round_trip(keras_ref):
    theirs = keras_ref.layers.Dense(3, dtype="mixed_float16")
    ours = keras.layers.Dense.from_config(theirs.get_config())
    assert ours.dtype_policy.name == "mixed_float16"
    assert ours.get_config()["dtype"] == theirs.get_config()["dtype"]
