import os

# The Keras reference runs on its torch backend; set before anything imports it.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402

import pytest  # noqa: E402

# The shared harness (tests/harness.py) is imported as `harness`.
sys.path.insert(0, os.path.dirname(__file__))

import functools  # noqa: E402

import torch  # noqa: E402

# On a CUDA machine the weights (and so the outputs) live on the GPU while
# the tests' references are built on the CPU. The tests check float32
# values: TF32 matmuls/convolutions (cuDNN's default) are ~1e-3 off, and
# `assert_close` compares values, not placement (placement has its own
# tests: tests/layers/test_layer_devices.py, tests/test_cpu_assumptions.py).
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
_assert_close = torch.testing.assert_close


@functools.wraps(_assert_close)
def _assert_close_any_device(actual, expected, *args, **kwargs):
    kwargs.setdefault("check_device", False)
    return _assert_close(actual, expected, *args, **kwargs)


torch.testing.assert_close = _assert_close_any_device


@pytest.fixture(autouse=True)
def _fresh_session():
    from lamina import backend

    backend.clear_session(free_memory=False)
    yield


@pytest.fixture
def on_layer_device():
    """Torch factories in the test make their tensors where Lamina puts
    weights and inputs (CUDA on a GPU machine), so a test can check
    identity (`layer(x) is x`) or compute with its inputs and a layer's
    outputs together. Does nothing where that is the CPU."""
    from lamina import config

    device = config.default_device()
    if device.type == "cpu":
        yield device
        return
    with torch.device(device):
        yield device


@pytest.fixture
def on_cpu():
    """For a test that must run on the CPU (it checks CPU kernels, memory
    views or layouts): Lamina places weights and inputs there."""
    from lamina import config

    with config.device("cpu"):
        yield torch.device("cpu")


@pytest.fixture
def keras_ref():
    """Keras 3 (torch backend), the numeric reference; a test dependency."""
    keras = pytest.importorskip("keras")
    # free_memory=False: the default runs gc.collect(), ~1 s per test.
    keras.backend.clear_session(free_memory=False)
    # The reference runs on the CPU on every machine: its values come back
    # on the host, and its seeded draws are the CPU generator's, as
    # Lamina's initializers are on every device.
    with keras.device("cpu"):
        yield keras
