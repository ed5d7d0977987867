"""Every one-tensor op of `lamina.ops` (called as `f(x)`) on bool, integer
and float inputs against Keras 3: the same result dtype and values, or an
error where Keras raises (the pattern of `test_ops_dtypes.py`, applied to
the graph-recording ops)."""

import inspect

import numpy as np
import pytest
import torch

import lamina.ops

DTYPES = ["bool", "int32", "float32", "uint8", "int8", "float16"]
_SOURCE = np.array([[-1.5, 0.0, 0.5, 2.0], [3.0, -0.25, 1.0, 0.75],
                    [0.1, 1.5, -2.0, 4.0]])

SKIP = {
    # shapes, conversions and copies (covered in test_ops_dtypes.py)
    "size", "shape", "dtype", "ndim", "is_tensor", "convert_to_numpy",
    "convert_to_tensor", "array", "copy", "stop_gradient", "vectorize",
    "empty_like",  # uninitialized in Keras
    # need square / positive-definite matrices, 1D inputs or several
    # arrays: covered with fitting inputs in test_ops_keras.py
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "logdet",
    "lu_factor", "matrix_rank", "pinv", "qr", "slogdet", "svd", "vander",
    "meshgrid", "histogram", "bincount", "unique", "nonzero", "corrcoef",
    "median", "nanmedian", "argpartition", "view_as_complex",
    "view_as_real", "angle", "i0",
    # Keras's torch backend keeps integer dtypes through these (truncating
    # normalized values), and views as floatx when `dtype` is None;
    # Lamina normalizes in floatx and views as the input's own dtype.
    "layer_normalization", "rms_normalization", "view",
}
# Where Keras's torch kernels raise for integer or bool inputs, these
# compute in floatx instead (as Keras's other backends do).
LENIENT = {"hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus",
           "sparse_sigmoid"}


def _values(dtype):
    if dtype == "bool":
        return _SOURCE > 0.4
    if dtype == "uint8":
        return np.abs(_SOURCE * 2).astype(dtype)
    return (_SOURCE * 2 if dtype.startswith("int") else _SOURCE).astype(dtype)


def _unary_names():
    names = []
    for name in dir(lamina.ops):
        value = getattr(lamina.ops, name)
        if name.startswith("_") or not callable(value) or name in SKIP or \
                inspect.isclass(value) or inspect.ismodule(value):
            continue
        try:
            params = list(inspect.signature(value).parameters.values())
        except (TypeError, ValueError):
            continue
        if params and params[0].name == "x" and all(
                p.default is not p.empty or p.kind in (
                    p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params[1:]):
            names.append(name)
    return sorted(names)


NAMES = _unary_names()
# Keras's torch backend returns zeros here (its uint8 arithmetic wraps
# around); Lamina computes in floatx: sparse_plus(3) is 3.
KERAS_WRONG = {("sparse_plus", "uint8"), ("sparse_sigmoid", "uint8")}
CALLS = [(n, d) for n in NAMES for d in DTYPES if (n, d) not in KERAS_WRONG]


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    value = value.detach().cpu()
    dtype = str(value.dtype).replace("torch.", "")
    return dtype, value.float().numpy() if dtype == "bfloat16" \
        else value.numpy()


@pytest.mark.parametrize("name, dtype", CALLS,
                         ids=[f"{n}-{d}" for n, d in CALLS])
def test_matches_keras(keras_ref, name, dtype):
    x = _values(dtype)
    reference = getattr(keras_ref.ops, name, None)
    if reference is None:  # Lamina's extra ops follow the activation
        reference = getattr(keras_ref.activations, name)
    try:
        expected = _plain(reference(torch.from_numpy(x.copy())))
    except Exception:  # noqa: BLE001 (Keras rejects this dtype)
        if name in LENIENT:
            assert getattr(lamina.ops, name)(x).dtype == torch.float32
            return
        with pytest.raises((TypeError, ValueError)):
            getattr(lamina.ops, name)(x)
        return
    got = _plain(getattr(lamina.ops, name)(x))
    expected = expected if isinstance(expected, list) else [expected]
    got = got if isinstance(got, list) else [got]
    for (g_dtype, g), (e_dtype, e) in zip(got, expected):
        assert g_dtype == e_dtype
        np.testing.assert_allclose(
            g.astype("float64"), e.astype("float64"), equal_nan=True,
            rtol=2e-3 if dtype == "float16" else 1e-5,
            atol=2e-3 if dtype == "float16" else 1e-5)
