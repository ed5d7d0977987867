import pytest


@pytest.fixture
def keras_ref():
    """Keras 3 (torch backend) with fresh name counters.

    Same as the top-level fixture, but `clear_session(free_memory=False)`:
    the default runs a full garbage collection (about 1 s per test here).
    """
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras
