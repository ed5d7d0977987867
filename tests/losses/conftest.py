"""Input makers shared by the loss tests: (rng, shape) -> (y_true, y_pred).

`shape` is the shape of `y_pred`; label-style makers derive `y_true` from it.
"""

import numpy as np
import pytest


def _f32(x):
    return np.asarray(x, dtype="float32")


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def regression(rng, shape):
    return _f32(rng.normal(size=shape)), _f32(rng.normal(size=shape))


def positive(rng, shape):
    return (_f32(rng.uniform(0.0, 3.0, size=shape)),
            _f32(rng.uniform(0.05, 3.0, size=shape)))


def binary(rng, shape):
    return (_f32(rng.integers(0, 2, size=shape)),
            _f32(rng.uniform(0.02, 0.98, size=shape)))


def binary_logits(rng, shape):
    return (_f32(rng.integers(0, 2, size=shape)),
            _f32(3 * rng.normal(size=shape)))


def categorical(rng, shape):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    # Unnormalized probabilities exercise Keras's rescaling step.
    return (_f32(np.eye(shape[-1])[labels]),
            _f32(rng.uniform(0.05, 1.0, size=shape)))


def categorical_logits(rng, shape):
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    return _f32(np.eye(shape[-1])[labels]), _f32(2 * rng.normal(size=shape))


def sparse(rng, shape):
    return (rng.integers(0, shape[-1], size=shape[:-1]),
            _f32(_softmax(rng.normal(size=shape))))


def sparse_logits(rng, shape):
    return (rng.integers(0, shape[-1], size=shape[:-1]),
            _f32(2 * rng.normal(size=shape)))


def distributions(rng, shape):
    return (_f32(_softmax(rng.normal(size=shape))),
            _f32(_softmax(rng.normal(size=shape))))


def signed_labels(rng, shape):
    return (_f32(2 * rng.integers(0, 2, size=shape) - 1),
            _f32(rng.normal(size=shape)))


def masks(rng, shape):
    return (_f32(rng.integers(0, 2, size=shape)),
            _f32(rng.uniform(0.0, 1.0, size=shape)))


def embeddings(rng, shape):
    x = rng.normal(size=shape)
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    return rng.integers(0, 3, size=shape[:1]), _f32(x)


def ctc_batch(rng, shape):
    batch, steps, classes = shape
    labels = rng.integers(1, classes, size=(batch, 4))
    for i, length in enumerate(rng.integers(1, 5, size=batch)):
        labels[i, length:] = 0
    return labels, _f32(rng.normal(size=shape))


_MAKERS = {fn.__name__: fn for fn in (
    regression, positive, binary, binary_logits, categorical,
    categorical_logits, sparse, sparse_logits, distributions, signed_labels,
    masks, embeddings, ctc_batch,
)}


@pytest.fixture
def make_inputs():
    """`make_inputs(kind, shape, seed=0)` -> numpy `(y_true, y_pred)`."""

    def make(kind, shape, seed=0):
        return _MAKERS[kind](np.random.default_rng(seed), tuple(shape))

    return make


@pytest.fixture(scope="session")
def keras_ref():
    """Keras 3 (torch backend) as the reference, imported once.

    Overrides the root fixture without its per-test `clear_session()`, whose
    garbage collection costs most of a second per test; loss parity does not
    depend on Keras's session state.
    """
    return pytest.importorskip("keras")
