"""lamina.ops against NumPy on tensors, and on KerasTensors (shapes)."""

import numpy as np
import pytest
import torch

import lamina
from lamina import ops

X = np.arange(24, dtype="float32").reshape(2, 3, 4) / 10.0
Y = np.linspace(-1, 1, 24, dtype="float32").reshape(2, 3, 4)

CASES = [
    ("add", (X, Y), {}, np.add(X, Y)),
    ("subtract", (X, Y), {}, X - Y),
    ("multiply", (X, Y), {}, X * Y),
    ("divide", (X, Y + 2), {}, X / (Y + 2)),
    ("maximum", (X, Y), {}, np.maximum(X, Y)),
    ("minimum", (X, Y), {}, np.minimum(X, Y)),
    ("power", (X, 2.0), {}, X ** 2),
    ("mean", (X,), {"axis": -1}, X.mean(-1)),
    ("mean", (X,), {"axis": (0, 2), "keepdims": True},
     X.mean((0, 2), keepdims=True)),
    ("sum", (X,), {}, X.sum()),
    ("max", (X,), {"axis": 1}, X.max(1)),
    ("min", (X,), {"axis": 1, "keepdims": True}, X.min(1, keepdims=True)),
    ("prod", (X + 1,), {"axis": (1, 2)}, (X + 1).prod((1, 2))),
    ("reshape", (X, (4, -1)), {}, X.reshape(4, -1)),
    ("expand_dims", (X, 1), {}, np.expand_dims(X, 1)),
    ("squeeze", (X[:, :1],), {"axis": 1}, X[:, 0]),
    ("transpose", (X,), {}, X.transpose()),
    ("transpose", (X, (0, 2, 1)), {}, X.transpose(0, 2, 1)),
    ("matmul", (X, Y.transpose(0, 2, 1)), {}, X @ Y.transpose(0, 2, 1)),
    ("exp", (X,), {}, np.exp(X)),
    ("log", (X + 1,), {}, np.log(X + 1)),
    ("sqrt", (X,), {}, np.sqrt(X)),
    ("square", (Y,), {}, Y ** 2),
    ("abs", (Y,), {}, np.abs(Y)),
    ("clip", (Y, -0.5, 0.5), {}, np.clip(Y, -0.5, 0.5)),
    ("where", (Y > 0, X, Y), {}, np.where(Y > 0, X, Y)),
    ("tanh", (Y,), {}, np.tanh(Y)),
    ("sigmoid", (Y,), {}, 1 / (1 + np.exp(-Y))),
    ("relu", (Y,), {}, np.maximum(Y, 0)),
    ("std", (X,), {"axis": 0}, X.std(0)),
    ("var", (X,), {}, X.var()),
    ("argmax", (Y,), {"axis": -1}, Y.argmax(-1)),
    ("cumsum", (X,), {"axis": 1}, X.cumsum(1)),
    ("tile", (X[0], (2, 1)), {}, np.tile(X[0], (2, 1))),
    ("flip", (X,), {"axis": 1}, np.flip(X, 1)),
]


@pytest.mark.parametrize("name,args,kwargs,expected", CASES,
                         ids=[c[0] for c in CASES])
def test_op_matches_numpy(name, args, kwargs, expected):
    tensors = [torch.as_tensor(a) if isinstance(a, np.ndarray) else a
               for a in args]
    result = getattr(ops, name)(*tensors, **kwargs)
    np.testing.assert_allclose(ops.convert_to_numpy(result), expected,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,args,kwargs,expected", CASES,
                         ids=[c[0] for c in CASES])
def test_op_on_keras_tensors_infers_shape(name, args, kwargs, expected):
    symbolic = [lamina.Input(batch_shape=a.shape, dtype=str(a.dtype))
                if isinstance(a, np.ndarray) else a for a in args]
    result = getattr(ops, name)(*symbolic, **kwargs)
    assert isinstance(result, lamina.KerasTensor)
    assert result.shape == np.shape(expected)


def test_concatenate_softmax_one_hot_and_cast():
    a, b = torch.ones(2, 3), torch.zeros(2, 2)
    assert ops.concatenate([a, b], axis=-1).shape == (2, 5)
    probs = ops.softmax(torch.tensor([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(probs.sum(-1).cpu().numpy(), [1.0], rtol=1e-6)
    encoded = ops.one_hot(torch.tensor([0, 2, -1]), 3)
    assert encoded.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert ops.cast(a, "int32").dtype == torch.int32


def test_none_dimension_is_inferred_symbolically():
    x = lamina.Input((None, 4))
    y = ops.reshape(ops.mean(x, axis=1), (-1, 2, 2))
    assert y.shape == (None, 2, 2)
    z = ops.concatenate([x, x], axis=1)
    assert z.shape == (None, None, 4)


def test_symbolic_tensor_misuse_errors():
    x = lamina.Input((3,))
    with pytest.raises(TypeError, match="truth value"):
        bool(x)
    with pytest.raises(TypeError, match="NumPy"):
        np.asarray(x)


def test_normalize_matches_keras(keras_ref):
    x = np.random.default_rng(3).standard_normal((4, 5)).astype("float32")
    x[0] = 0.0
    for order in (1, 2, 3):
        expected = keras_ref.ops.convert_to_numpy(
            keras_ref.ops.normalize(x, axis=-1, order=order))
        got = ops.normalize(torch.as_tensor(x), axis=-1, order=order)
        np.testing.assert_allclose(got.cpu().numpy(), expected, rtol=1e-6)
