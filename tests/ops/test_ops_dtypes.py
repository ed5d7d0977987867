"""Every public function of `lamina.ops` on bool, integer and float inputs,
against Keras 3 (torch backend): the same result dtype and values where
Keras accepts the dtype, and a clear TypeError/ValueError naming the op
where Keras raises."""

import inspect

import numpy as np
import pytest
import torch

import lamina.ops

DTYPES = ["bool", "int32", "float32", "uint8", "int8", "float16"]

_INT = np.array([[-2, 0, 1, 3], [4, -1, 2, 0], [1, 1, -3, 2]])
_FLOAT = np.array([[-1.5, 0.0, 0.5, 2.0], [3.0, -0.25, 1.0, 0.75],
                   [0.1, 1.5, -2.0, 4.0]])
_BOOL = np.array([[True, False, True, True], [False, False, True, False],
                  [True, True, False, True]])
# Second operands of binary ops: no zeros, so integer division is defined.
_INT_2 = np.array([[1, 2, -1, 3], [2, 5, -4, 1], [3, 1, 2, -2]])
_FLOAT_2 = np.array([[0.5, -2.0, 1.5, 3.0], [1.0, 2.5, -0.5, 4.0],
                     [2.0, 1.0, 0.25, -1.0]])


def _values(dtype, second=False):
    if dtype == "bool":
        return _BOOL[::-1].copy() if second else _BOOL
    source = (_FLOAT_2 if second else _FLOAT) if dtype.startswith("float") \
        else (_INT_2 if second else _INT)
    return (np.abs(source) if dtype == "uint8" else source).astype(dtype)


def _labels(x):
    return np.abs(x).astype(x.dtype)


# Functions that take more than one tensor `x`: how to call them.
CASES = {
    "arange": lambda o, x, d: o.arange(True if d == "bool" else
                                       np.array(3, d).item()),
    "argmax": lambda o, x, d: o.argmax(x, axis=1),
    "argmin": lambda o, x, d: o.argmin(x, axis=0, keepdims=True),
    "argsort": lambda o, x, d: o.argsort(x),
    "average": lambda o, x, d: o.average(x, axis=0),
    "cast": lambda o, x, d: o.cast(x, "float32"),
    "clip": lambda o, x, d: o.clip(x, 0, 1),
    "concatenate": lambda o, x, d: o.concatenate([x, x], axis=1),
    "cond": lambda o, x, d: o.cond(x[0, 0], lambda: 1, lambda: 0),
    "count_nonzero": lambda o, x, d: o.count_nonzero(x, axis=0),
    "cumprod": lambda o, x, d: o.cumprod(x, axis=1),
    "cumsum": lambda o, x, d: o.cumsum(x),
    "dot": lambda o, x, d: o.dot(x, x.T),
    "dtype": lambda o, x, d: o.dtype(o.convert_to_tensor(x)),
    "einsum": lambda o, x, d: o.einsum("ij,kj->ik", x, x),
    "expand_dims": lambda o, x, d: o.expand_dims(x, 0),
    "eye": lambda o, x, d: o.eye(3, 4, k=1, dtype=d),
    "flip": lambda o, x, d: o.flip(x, axis=1),
    "fori_loop": lambda o, x, d: o.fori_loop(0, 2, lambda i, v: v, x),
    "full": lambda o, x, d: o.full((2, 2), x[0, 0].item()),
    "full_like": lambda o, x, d: o.full_like(x, 1),
    "get_item": lambda o, x, d: o.get_item(x, 1),
    "is_tensor": lambda o, x, d: o.is_tensor(o.convert_to_tensor(x)),
    "linspace": lambda o, x, d: o.linspace(0, 1, 5, dtype=d),
    "matmul": lambda o, x, d: o.matmul(x, x.T),
    "max": lambda o, x, d: o.max(x, axis=1),
    "mean": lambda o, x, d: o.mean(x, axis=0, keepdims=True),
    "moments": lambda o, x, d: o.moments(x, axes=[0]),
    "moveaxis": lambda o, x, d: o.moveaxis(x, 0, 1),
    "multi_hot": lambda o, x, d: o.multi_hot(_labels(x), 5),
    "one_hot": lambda o, x, d: o.one_hot(_labels(x), 5),
    "ones": lambda o, x, d: o.ones((2, 2), dtype=d),
    "outer": lambda o, x, d: o.outer(x[0], x[1]),
    "pad": lambda o, x, d: o.pad(x, [[1, 1], [0, 2]]),
    "prod": lambda o, x, d: o.prod(x, axis=0),
    "repeat": lambda o, x, d: o.repeat(x, 2, axis=0),
    "reshape": lambda o, x, d: o.reshape(x, (4, 3)),
    "shape": lambda o, x, d: o.shape(o.convert_to_tensor(x)),
    "slice": lambda o, x, d: o.slice(x, (0, 1), (2, 2)),
    "slice_update": lambda o, x, d: o.slice_update(
        o.convert_to_tensor(x), (0, 1), o.convert_to_tensor(x[:1, :2])),
    "split": lambda o, x, d: o.split(x, 2, axis=1),
    "squeeze": lambda o, x, d: o.squeeze(x[:1], axis=0),
    "stack": lambda o, x, d: o.stack([x, x], axis=1),
    "std": lambda o, x, d: o.std(x, axis=0),
    "stop_gradient": lambda o, x, d: o.stop_gradient(o.convert_to_tensor(x)),
    "sum": lambda o, x, d: o.sum(x, axis=1, keepdims=True),
    "swapaxes": lambda o, x, d: o.swapaxes(x, 0, 1),
    "take": lambda o, x, d: o.take(x, np.array([0, 2]), axis=1),
    "take_along_axis": lambda o, x, d: o.take_along_axis(
        x, np.array([[0], [1], [3]]), axis=1),
    "tensordot": lambda o, x, d: o.tensordot(x, x.T, axes=1),
    "tile": lambda o, x, d: o.tile(x, (2, 1)),
    "triu": lambda o, x, d: o.triu(x, 1),
    "var": lambda o, x, d: o.var(x, axis=1),
    "where": lambda o, x, d: o.where(x, x, o.zeros_like(x)),
    "while_loop": lambda o, x, d: o.while_loop(
        lambda v: False, lambda v: v, o.convert_to_tensor(x)),
    "zeros": lambda o, x, d: o.zeros((2, 2), dtype=d),
    "allclose": lambda o, x, d: o.allclose(x, x),
    "associative_scan": lambda o, x, d: o.associative_scan(
        lambda a, b: a + b, o.cast(x, "float32"), axis=1),
    "bartlett": lambda o, x, d: o.bartlett(5),
    "blackman": lambda o, x, d: o.blackman(6),
    "hamming": lambda o, x, d: o.hamming(4),
    "hanning": lambda o, x, d: o.hanning(7),
    "custom_gradient": lambda o, x, d: o.custom_gradient(
        lambda v: (v * 2, lambda up: up * 2))(o.cast(x, "float32")),
    "empty": lambda o, x, d: o.empty((0, 3), dtype=d),
    "identity": lambda o, x, d: o.identity(3, dtype=d),
    "jvp": lambda o, x, d: o.jvp(lambda v: v * 3, (o.cast(x, "float32"),),
                                 (o.ones((3, 4)),)),
    "kaiser": lambda o, x, d: o.kaiser(5, 2.0),
    "map": lambda o, x, d: o.map(lambda v: o.flip(v), o.convert_to_tensor(x)),
    "scan": lambda o, x, d: o.scan(
        lambda c, v: (o.maximum(c, v), v), o.convert_to_tensor(x[0]),
        o.convert_to_tensor(x)),
    "switch": lambda o, x, d: o.switch(
        5, [lambda v: v, lambda v: o.zeros_like(v)], o.convert_to_tensor(x)),
    "tri": lambda o, x, d: o.tri(3, 4, k=1, dtype=d),
    "vectorize": lambda o, x, d: o.vectorize(lambda v: o.flip(v))(
        o.convert_to_tensor(x)),
    "vectorized_map": lambda o, x, d: o.vectorized_map(
        lambda v: o.max(v), o.convert_to_tensor(x)),
    # Second forms of some functions.
    "argmax/flat": lambda o, x, d: o.argmax(x),
    "sum/all": lambda o, x, d: o.sum(x),
    "prod/all": lambda o, x, d: o.prod(x),
    "where/1": lambda o, x, d: o.where(x),
    "take/flat": lambda o, x, d: o.take(x, np.array([0, 5])),
    "repeat/flat": lambda o, x, d: o.repeat(x, 2),
    "round/-1": lambda o, x, d: o.round(x * 10 if d != "bool" else x, -1),
}
BINARY = {"add", "subtract", "multiply", "divide", "true_divide",
          "floor_divide", "mod", "power", "maximum", "minimum", "equal",
          "not_equal", "less", "less_equal", "greater", "greater_equal",
          "logical_and", "logical_or", "logical_xor", "arctan2"}


def _public_functions():
    """The plain (not graph-recording) functions of `lamina.ops`; the ops
    that record graph nodes are covered by `test_ops_keras.py` and by the
    cases below."""
    names = set()
    for name in dir(lamina.ops):
        value = getattr(lamina.ops, name)
        if not name.startswith("_") and inspect.isfunction(value) and \
                value.__module__.startswith("lamina.ops"):
            names.add(name)
    return sorted(names)


FUNCTIONS = _public_functions()
CALLS = sorted(set(FUNCTIONS) | set(CASES))


def _call(ops, name, dtype):
    x = _values(dtype)
    if name in CASES:
        return CASES[name](ops, x, dtype)
    if name in BINARY:
        return getattr(ops, name)(x, _values(dtype, second=True))
    return getattr(ops, name)(x)


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype), value.detach().cpu().numpy())
    if isinstance(value, np.ndarray):
        return ("array", str(value.dtype), value)
    return ("python", type(value).__name__, value)


def _assert_same(got, expected, tolerance):
    if isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_same(g, e, tolerance)
        return
    assert got[:2] == expected[:2], f"got {got[:2]}, Keras gives {expected[:2]}"
    if got[0] == "python":
        assert got[2] == expected[2]
    else:
        np.testing.assert_allclose(
            got[2].astype("float64"), expected[2].astype("float64"),
            rtol=tolerance, atol=tolerance, equal_nan=True)


def test_every_function_has_a_call():
    """A function without a case is called as f(x): it must take one x."""
    for name in FUNCTIONS:
        if name in CASES or name in BINARY:
            continue
        params = list(inspect.signature(getattr(lamina.ops, name))
                      .parameters.values())
        assert params[0].name == "x", name
        assert all(p.default is not p.empty or p.kind in (
            p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params[1:]), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CALLS)
def test_matches_keras(keras_ref, name, dtype):
    base = name.split("/")[0]
    if not hasattr(keras_ref.ops, base):
        # Lamina's extra ops (e.g. `mish`) follow the Keras activation.
        assert hasattr(keras_ref.activations, base), base
        reference = keras_ref.activations
    else:
        reference = keras_ref.ops
    try:
        expected = _plain(_call(reference, name, dtype))
    except Exception:  # noqa: BLE001 (Keras rejects this dtype)
        with pytest.raises((TypeError, ValueError)) as error:
            _call(lamina.ops, name, dtype)
        assert "ops." in str(error.value)
        return
    got = _plain(_call(lamina.ops, name, dtype))
    _assert_same(got, expected, 2e-3 if dtype == "float16" else 1e-5)


@pytest.mark.parametrize("dtype", ["bool", "int32", "float32"])
def test_argmax_argmin_on_bool_and_ties(dtype):
    x = np.array([[False, True, True], [False, False, False]]).astype(dtype)
    np.testing.assert_array_equal(lamina.ops.argmax(x, axis=1).detach().cpu().numpy(),
                                  [1, 0])
    np.testing.assert_array_equal(lamina.ops.argmin(x, axis=1).detach().cpu().numpy(),
                                  [0, 0])
    assert lamina.ops.argmax(x).dtype == torch.int32
