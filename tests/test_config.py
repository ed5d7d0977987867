import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import lamina
from lamina import backend
from lamina import config


def test_defaults_and_setters():
    assert config.floatx() == "float32"
    assert config.epsilon() == 1e-7
    assert config.image_data_format() == "channels_last"
    config.set_epsilon(1e-5)
    assert backend.epsilon() == 1e-5
    config.set_epsilon(1e-7)
    config.set_image_data_format("channels_first")
    assert backend.image_data_format() == "channels_first"
    config.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels_middle"):
        config.set_image_data_format("channels_middle")
    with pytest.raises(ValueError, match="float8"):
        config.set_floatx("float8")


def test_floatx_controls_new_weights():
    config.set_floatx("float64")
    try:
        layer = lamina.layers.Dense(2)
        layer.build((None, 3))
        assert layer.kernel.dtype == torch.float64
    finally:
        config.set_floatx("float32")


def test_keras_json_is_honoured_and_backend_key_ignored(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({
        "backend": "jax", "floatx": "float16", "epsilon": 1e-4,
        "image_data_format": "channels_first",
    }))
    code = ("import lamina; from lamina import config as c; "
            "print(c.floatx(), c.epsilon(), c.image_data_format(), "
            "c.backend())")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={"KERAS_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout.split()
    assert out == ["float16", "0.0001", "channels_first", "torch"]


def test_set_random_seed_makes_initialization_reproducible():
    lamina.utils.set_random_seed(7)
    a = lamina.layers.Dense(4)
    a.build((None, 3))
    r1 = np.random.rand()
    lamina.utils.set_random_seed(7)
    b = lamina.layers.Dense(4)
    b.build((None, 3))
    assert np.random.rand() == r1
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    with pytest.raises(ValueError, match="integer"):
        lamina.utils.set_random_seed("seven")


def test_backend_helpers():
    assert backend.backend() == "torch"
    assert backend.is_keras_tensor(lamina.Input((2,)))
    assert not backend.is_keras_tensor(torch.ones(1))
    assert backend.standardize_dtype(torch.int32) == "int32"
    assert backend.standardize_dtype(np.float64) == "float64"
    assert backend.result_type("int32", "float32") == "float32"
    assert backend.is_float_dtype("bfloat16")
    assert backend.is_int_dtype("uint8")


@pytest.mark.parametrize("name,expected", [
    ("cpu", "cpu"), ("cpu:0", "cpu"), ("CPU:0", "cpu"), ("gpu", "cuda"),
    ("gpu:1", "cuda:1"), ("cuda:0", "cuda:0"), ("/device:GPU:0", "cuda:0"),
    (torch.device("cpu", 0), "cpu"),
])
def test_device_names_as_keras_writes_them(name, expected):
    assert config.to_torch_device(name) == torch.device(expected)


def test_a_bad_device_name_is_named_in_the_error():
    with pytest.raises(ValueError, match="device_name='tpu:7'"):
        with lamina.device("tpu:7"):
            pass


def test_device_scope_places_new_weights_and_restores():
    before = config.default_device()
    # `meta` stands in for a second device: weights built in the scope
    # land there; the default comes back after it, also on error.
    with lamina.device("meta"):
        layer = lamina.layers.Dense(3)
        layer.build((None, 4))
        with lamina.device("cpu"):
            inner = lamina.layers.Dense(3)
            inner.build((None, 4))
    assert layer.kernel.device.type == "meta"
    assert inner.kernel.device.type == "cpu"
    assert config.default_device() == before
    with pytest.raises(KeyError):
        with lamina.device("meta"):
            raise KeyError
    assert config.default_device() == before


def test_keras_torch_device_selects_the_default_device():
    code = ("import lamina; from lamina import config; "
            "print(config.default_device())")
    env = {**os.environ, "KERAS_TORCH_DEVICE": "cpu:0"}
    out = subprocess.run([sys.executable, "-c", code], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "cpu"
