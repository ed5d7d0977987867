import os

# The Keras reference runs on its torch backend; set before anything imports it.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402

import pytest  # noqa: E402

# The shared harness (tests/harness.py) is imported as `harness`.
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(autouse=True)
def _fresh_session():
    from lamina import backend

    backend.clear_session(free_memory=False)
    yield


@pytest.fixture
def keras_ref():
    """Keras 3 (torch backend), the numeric reference; a test dependency."""
    keras = pytest.importorskip("keras")
    # free_memory=False: the default runs gc.collect(), ~1 s per test.
    keras.backend.clear_session(free_memory=False)
    return keras
