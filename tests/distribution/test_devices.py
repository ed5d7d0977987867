"""Devices and `initialize` in one process (no process group)."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.distribution import devices as devices_lib

distribution = keras.distribution

_LAUNCH_VARIABLES = (
    "RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
    "KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID")


@pytest.fixture
def no_launcher(monkeypatch):
    for name in _LAUNCH_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_one_process_lists_its_own_devices():
    if torch.cuda.is_available():
        expected = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    else:
        expected = ["cpu:0"]
    assert distribution.list_devices() == expected
    assert distribution.get_device_count() == len(expected)
    assert distribution.list_devices("cpu") == ["cpu:0"]
    assert distribution.list_devices("gpu") == distribution.list_devices(
        "cuda")
    assert distribution.is_rank_zero()


def test_unknown_device_type_is_refused():
    with pytest.raises(ValueError, match="device_type='tpu'"):
        distribution.list_devices("tpu")


def test_initialize_without_a_launcher_says_how_to_launch(no_launcher):
    with pytest.raises(ValueError, match="torchrun --nproc_per_node") as info:
        distribution.initialize()
    assert "MASTER_ADDR" in str(info.value)
    assert "WORLD_SIZE" in str(info.value)


def test_initialize_names_what_is_missing(no_launcher, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError) as info:
        distribution.initialize()
    message = str(info.value)
    assert "job_addresses (or MASTER_ADDR/MASTER_PORT)" in message
    assert "num_processes (or WORLD_SIZE)" not in message


def test_initialize_without_a_process_group_backend(no_launcher,
                                                    monkeypatch):
    monkeypatch.setattr(torch.distributed, "is_backend_available",
                        lambda name: False)
    with pytest.raises(RuntimeError, match="backend 'gloo'|backend 'nccl'"):
        distribution.initialize(job_addresses="127.0.0.1:1", num_processes=2,
                                process_id=0)
    assert not devices_lib.is_distributed()


def test_a_one_process_group_through_keras_variables(no_launcher,
                                                     monkeypatch):
    """`initialize` reads Keras's variables; one process makes a group of
    one, in which every device call answers for the job."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES",
                       f"127.0.0.1:{port}")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    distribution.initialize()
    try:
        assert devices_lib.is_distributed()
        assert torch.distributed.get_backend() in ("gloo", "nccl")
        kind = "cuda" if torch.cuda.is_available() else "cpu"
        assert distribution.list_devices() == [f"{kind}:0"]
        distribution.initialize()  # again: nothing to do
        mesh = distribution.DeviceMesh((1,), ["batch"])
        layout = distribution.TensorLayout(["batch", None], mesh)
        value = distribution.distribute_tensor(np.ones((2, 3), "float32"),
                                               layout)
        assert type(value).__name__ == "DTensor"
        np.testing.assert_array_equal(value.full_tensor().cpu().numpy(),
                                      np.ones((2, 3)))
    finally:
        torch.distributed.destroy_process_group()
