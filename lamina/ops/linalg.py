"""`keras.ops.linalg` on `torch.linalg`: factorizations, solvers, norms
and forward-mode derivatives. Integer and bool inputs compute in floatx."""

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor


def _float(x):
    return _dtypes.to_float(_tensor(x))


@op("cholesky")
def cholesky(x, upper=False):
    return torch.linalg.cholesky(_float(x), upper=upper)


@op("cholesky_inverse")
def cholesky_inverse(x, upper=False):
    """The inverse of `A` from its Cholesky factor `x` (`A = L L^T`, or
    `U^T U` when `upper`)."""
    return torch.cholesky_inverse(_float(x), upper=upper)


@op("det")
def det(x):
    return torch.linalg.det(_float(x))


@op("slogdet")
def slogdet(x):
    sign, logabsdet = torch.linalg.slogdet(_float(x))
    return sign, logabsdet


@op("eig")
def eig(x):
    return torch.linalg.eig(_float(x))


@op("eigh")
def eigh(x):
    return torch.linalg.eigh(_float(x))


@op("inv")
def inv(x):
    return torch.linalg.inv(_float(x))


@op("lstsq")
def lstsq(a, b, rcond=None):
    a, b = _op.float_promoted(a, b)
    vector = b.dim() == 1
    if vector:
        b = b.unsqueeze(-1)
    driver = "gelsd" if a.device.type == "cpu" else None
    solution = torch.linalg.lstsq(a, b, rcond=rcond, driver=driver).solution
    return solution.squeeze(-1) if vector else solution


@op("lu_factor")
def lu_factor(x):
    """`(lu, pivots)` with 0-based int32 pivots, as Keras."""
    lu, pivots = torch.linalg.lu_factor(_float(x))
    return lu, (pivots - 1).to(torch.int32)


@op("matrix_rank")
def matrix_rank(x, tol=None):
    return torch.linalg.matrix_rank(_float(x), atol=tol).to(torch.int32)


@op("norm")
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    x = _float(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    if axis is None and ord is not None:
        axis = tuple(range(x.dim())) if x.dim() <= 2 else None
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError("Argument `ord` must be a number, 'fro' or 'nuc'. "
                         f"Received: ord={ord!r}")
    if isinstance(axis, int) and isinstance(ord, str):
        raise ValueError(f"ord={ord!r} is a matrix norm; it needs a 2-tuple "
                         f"`axis`. Received: axis={axis}")
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


@op("pinv")
def pinv(x, rcond=None):
    x = _float(x)
    return torch.linalg.pinv(x) if rcond is None else torch.linalg.pinv(
        x, rtol=rcond)


@op("qr")
def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError("Argument `mode` must be 'reduced' or 'complete'. "
                         f"Received: mode={mode!r}")
    q, r = torch.linalg.qr(_float(x), mode=mode)
    return q, r


@op("solve")
def solve(a, b):
    a, b = _op.float_promoted(a, b)
    return torch.linalg.solve(a, b)


@op("solve_triangular")
def solve_triangular(a, b, lower=False):
    a, b = _op.float_promoted(a, b)
    vector = b.dim() == a.dim() - 1
    if vector:
        b = b.unsqueeze(-1)
    out = torch.linalg.solve_triangular(a, b, upper=not lower)
    return out.squeeze(-1) if vector else out


@op("svd")
def svd(x, full_matrices=True, compute_uv=True):
    x = _float(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative: `(outputs, output_tangents)` (and `aux`
    when `has_aux`), through `torch.func.jvp`."""
    primals = tuple(_tensor(p) for p in primals)
    tangents = tuple(_tensor(t) for t in tangents)
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)


__all__ = _op.public(globals())
