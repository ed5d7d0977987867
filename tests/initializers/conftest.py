import pytest


@pytest.fixture(scope="session")
def keras_ref():
    """Keras 3, imported once. Overrides the per-test fixture: these tests
    build no Keras models, so there is no session state to clear (and
    `keras.backend.clear_session()` costs most of a second)."""
    return pytest.importorskip("keras")
