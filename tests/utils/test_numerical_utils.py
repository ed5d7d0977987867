import numpy as np
import pytest
import torch

from lamina.utils.numerical_utils import normalize
from lamina.utils.numerical_utils import to_categorical


def test_to_categorical_matches_keras(keras_ref):
    cases = [
        ([0, 1, 2, 3], None),
        ([0, 2, 1], 5),
        (np.array([[0], [3], [1]]), None),  # (n, 1) -> (n, num_classes)
        (np.array([[0, 1], [2, 0]]), 4),
        (np.array([[[1]], [[2]]]), None),
        (3, None),
        ([0.7, 1.9, 2.2], None),  # floats truncate, as NumPy's int cast
        (np.array([], dtype="int64"), 3),
        (np.arange(10, dtype="uint8"), 0),
    ]
    for x, num_classes in cases:
        got = to_categorical(x, num_classes)
        want = keras_ref.utils.to_categorical(x, num_classes)
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype
        assert got.shape == want.shape, (x, num_classes)
        np.testing.assert_array_equal(got, want)

    labels = torch.tensor([[2], [0], [1]])
    got = to_categorical(labels, 4)
    want = keras_ref.utils.to_categorical(labels, 4)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    np.testing.assert_array_equal(got.cpu().numpy(), want.cpu().numpy())
    # Unlike Keras's torch path, num_classes can be inferred for tensors.
    assert to_categorical(torch.tensor([0, 4])).shape == (2, 5)


@pytest.mark.parametrize(
    "x, num_classes, match",
    [
        ([0, 5], 3, r"\[0, 3\).*Received: values in \[0, 5\]"),
        ([-1, 1], 3, r"Received: values in \[-1, 1\]"),
        ([], None, "Cannot infer `num_classes`"),
        ([0, 1], 2.5, "num_classes"),
        ([0, 1], -2, "num_classes"),
    ],
)
def test_to_categorical_bad_inputs(x, num_classes, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(x, num_classes)


def test_normalize_matches_keras_numpy_path(keras_ref):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    x[1] = 0.0  # a zero-norm row stays zero
    for x_in in (x, x.astype("float32")):
        for axis in (-1, 1):
            for order in (1, 2, 3, np.inf):
                got = normalize(x_in, axis=axis, order=order)
                want = keras_ref.utils.normalize(x_in, axis=axis, order=order)
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    ints = np.array([[3, 4], [0, 0]])
    got = normalize(ints)
    np.testing.assert_allclose(got, keras_ref.utils.normalize(ints))
    assert got.dtype == np.float64


def test_normalize_matches_keras_tensor_path(keras_ref):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.normal(size=(3, 4, 5)), dtype=torch.float32)
    for axis in (0, 1, -1, None):
        for order in (1, 2, 3):
            if axis is None and order != 2:
                continue  # Keras's torch path fails there (a matrix norm)
            got = normalize(x, axis=axis, order=order)
            want = keras_ref.utils.normalize(x, axis=axis, order=order)
            assert isinstance(got, torch.Tensor)
            np.testing.assert_allclose(got.cpu().numpy(), want.cpu().numpy(),
                                       rtol=1e-5, atol=1e-7)
    flat = x.reshape(-1)
    np.testing.assert_allclose(normalize(x, axis=None, order=1).cpu().numpy(),
                               (x / flat.abs().sum()).numpy(), rtol=1e-6)
    zeros = torch.zeros(2, 3)
    np.testing.assert_array_equal(normalize(zeros).cpu().numpy(),
                                  zeros.numpy())
    np.testing.assert_allclose(normalize([3.0, 4.0]).cpu().numpy(), [0.6, 0.8])


def test_normalize_other_axes_on_numpy():
    x = np.array([[3.0, 4.0], [0.0, 1.0]])
    # Keras's NumPy path mishandles axis=0 and 1-D input; Lamina normalizes
    # along the axis asked for, as Keras's tensor path does.
    want = x / np.linalg.norm(x, axis=0, keepdims=True)
    np.testing.assert_allclose(normalize(x, axis=0), want)
    np.testing.assert_allclose(normalize(np.array([3.0, 4.0])), [0.6, 0.8])
    np.testing.assert_allclose(normalize(x, axis=None), x / np.sqrt(26))


def test_normalize_bad_inputs():
    with pytest.raises(ValueError, match="order"):
        normalize(torch.ones(2, 2), order=0)
    with pytest.raises(ValueError, match="order"):
        normalize(torch.ones(2, 2), order=2.5)
    with pytest.raises(ValueError, match="order"):
        normalize(np.ones((2, 2)), order="fro")
    with pytest.raises(ValueError, match="axis"):
        normalize(np.ones((2, 2)), axis=(0, 1))
