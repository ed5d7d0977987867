"""Element-wise ops of `keras.ops.numpy` beyond the basic arithmetic in
`numpy`: more transcendental functions, bitwise ops, comparisons with
tolerances, and the safe variants. Re-exported by `lamina.ops.numpy`."""

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor
from lamina.utils.dtypes import to_torch_dtype

def _float_unary(name, fn):
    """Float math: bools and integers compute in floatx, as Keras."""
    @op(name)
    def unary(x):
        return fn(_dtypes.to_float(_tensor(x)))

    unary.__name__ = name
    unary.__doc__ = f"Element-wise `{name}` (floatx for bool/int inputs)."
    return unary

def _float_binary(name, fn, weak=True):
    @op(name)
    def binary(x1, x2):
        a, b = _op.float_promoted(x1, x2, weak=weak)
        return fn(a, b)

    binary.__name__ = name
    binary.__doc__ = f"Element-wise `{name}` with broadcasting."
    return binary

def _int_binary(name, fn):
    """Bitwise and integer ops: bool and integer inputs only."""
    @op(name)
    def binary(x, y):
        a, b = _op.promoted(x, y)
        if a.is_floating_point() or a.is_complex():
            raise TypeError(
                f"ops.{name} takes bool or integer tensors. Received: "
                f"dtype={str(a.dtype).replace('torch.', '')}")
        return fn(a, b)

    binary.__name__ = name
    binary.__doc__ = f"Element-wise `{name}` of integer or bool tensors."
    return binary

arccosh = _float_unary("arccosh", torch.acosh)
arcsinh = _float_unary("arcsinh", torch.asinh)
arctanh = _float_unary("arctanh", torch.atanh)
cbrt = _float_unary("cbrt", lambda x: torch.sign(x) * torch.abs(x) ** (1 / 3))
deg2rad = _float_unary("deg2rad", torch.deg2rad)
rad2deg = _float_unary("rad2deg", torch.rad2deg)
exp2 = _float_unary("exp2", torch.exp2)
fabs = _float_unary("fabs", torch.abs)
i0 = _float_unary("i0", torch.special.i0)
sinc = _float_unary("sinc", torch.sinc)
erf = _float_unary("erf", torch.erf)
erfc = _float_unary("erfc", torch.erfc)
erfinv = _float_unary("erfinv", torch.erfinv)
angle = _float_unary("angle", torch.angle)

@op("trunc")
def trunc(x):
    """Rounds toward zero; integers and bools keep their dtype."""
    x = _tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x.clone()

@op("signbit")
def signbit(x):
    x = _tensor(x)
    return torch.signbit(x.to(torch.int32) if x.dtype == torch.bool else x)

@op("isneginf")
def isneginf(x):
    return torch.isneginf(_tensor(x))

@op("isposinf")
def isposinf(x):
    return torch.isposinf(_tensor(x))

@op("isreal")
def isreal(x):
    return torch.isreal(_tensor(x))

@op("conjugate")
def conjugate(x):
    return torch.conj(_tensor(x))

# Keras converts Python numbers to tensors first for these.
hypot = _float_binary("hypot", torch.hypot, weak=False)
logaddexp = _float_binary("logaddexp", torch.logaddexp, weak=False)
logaddexp2 = _float_binary("logaddexp2", torch.logaddexp2, weak=False)
# Keras steps in float64, then casts back (so narrower floats round back).
nextafter = _float_binary("nextafter", lambda a, b: torch.nextafter(
    a.double(), b.double()).to(a.dtype), weak=False)


def _nan_ignoring(name, torch_fn):
    @op(name)
    def binary(x1, x2):
        a, b = _op.promoted(x1, x2)
        if a.dtype == torch.bool:
            return torch_fn(a.to(torch.uint8), b.to(torch.uint8)).bool()
        return torch_fn(a, b)

    binary.__name__ = name
    binary.__doc__ = f"Element-wise `{name}`, ignoring NaNs where it can."
    return binary


fmax = _nan_ignoring("fmax", torch.fmax)
fmin = _nan_ignoring("fmin", torch.fmin)

@op("fmod")
def fmod(x1, x2):
    a, b = _op.promoted(x1, x2)
    if a.dtype == torch.bool:
        a, b = a.to(torch.int32), b.to(torch.int32)
    return torch.fmod(a, b)

@op("heaviside")
def heaviside(x1, x2):
    a, b = _op.strongly_promoted(x1, x2)
    if a.dtype == torch.bool:  # Keras keeps bools
        return torch.where(a, a, b)
    if not a.is_floating_point():
        a, b = a.to(_dtypes.floatx()), b.to(_dtypes.floatx())
    return torch.heaviside(a, b)

@op("ldexp")
def ldexp(x1, x2):
    x1, x2 = _tensor(x1), _tensor(x2)
    if x2.is_floating_point():
        raise TypeError("ops.ldexp takes an integer exponent `x2`. Received: "
                        f"x2.dtype={str(x2.dtype).replace('torch.', '')}")
    x1 = _dtypes.to_float(x1)
    return x1 * torch.pow(torch.tensor(2.0, dtype=x1.dtype,
                                       device=x1.device), x2.to(x1.dtype))

@op("divide_no_nan")
def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0."""
    a, b = _op.float_promoted(x1, x2)
    safe = torch.where(b == 0, torch.ones_like(b), b)
    return torch.where(b == 0, torch.zeros_like(a / safe), a / safe)

@op("gcd")
def gcd(x1, x2):
    a, b = _op.promoted(x1, x2)
    return torch.gcd(a, b)

@op("lcm")
def lcm(x1, x2):
    a, b = _op.promoted(x1, x2)
    return torch.lcm(a, b)

bitwise_and = _int_binary("bitwise_and", torch.bitwise_and)
bitwise_or = _int_binary("bitwise_or", torch.bitwise_or)
bitwise_xor = _int_binary("bitwise_xor", torch.bitwise_xor)
bitwise_left_shift = _int_binary("bitwise_left_shift",
                                 torch.bitwise_left_shift)
bitwise_right_shift = _int_binary("bitwise_right_shift",
                                  torch.bitwise_right_shift)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift

@op("bitwise_invert")
def bitwise_invert(x):
    x = _tensor(x)
    if x.is_floating_point():
        raise TypeError("ops.bitwise_invert takes bool or integer tensors. "
                        f"Received: dtype={str(x.dtype)[6:]}")
    return torch.bitwise_not(x)

bitwise_not = bitwise_invert

@op("isclose")
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _op.promoted(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)

def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every pair is close: a bool scalar tensor."""
    return torch.all(isclose(x1, x2, rtol, atol, equal_nan))

@op("logspace")
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None,
             axis=0):
    exponents = _spaced(start, stop, num, endpoint, dtype)
    result = torch.pow(torch.tensor(float(base), dtype=exponents.dtype),
                       exponents)
    return torch.movedim(result, 0, axis) if result.dim() > 1 else result

def _spaced(start, stop, num, endpoint, dtype):
    dtype = to_torch_dtype(dtype) if dtype else _dtypes.floatx()
    start = _tensor(start).to(torch.float64)
    stop = _tensor(stop).to(torch.float64)
    steps = torch.arange(num, dtype=torch.float64, device=start.device)
    divisor = (num - 1) if endpoint else num
    fraction = steps / max(divisor, 1)
    shape = (num,) + (1,) * start.dim()
    values = start + fraction.reshape(shape) * (stop - start)
    if endpoint and num > 0:
        values[-1] = stop
    return values.to(dtype)

@op("geomspace")
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    out = to_torch_dtype(dtype) if dtype else _dtypes.floatx()
    s, e = _tensor(start).to(torch.float64), _tensor(stop).to(torch.float64)
    logs = _spaced(torch.log10(torch.abs(s)),
                               torch.log10(torch.abs(e)), num, endpoint,
                               torch.float64)
    result = torch.sign(s) * torch.pow(10.0, logs)
    if num > 0:
        result[0] = s
        if endpoint:
            result[-1] = e
    result = result.to(out)
    return torch.movedim(result, 0, axis) if result.dim() > 1 else result

def _window(name, fn):
    def window(x):
        n = int(x)
        return fn(n, periodic=False, dtype=_dtypes.floatx())

    window.__name__ = name
    window.__doc__ = f"The {name} window of `x` points (symmetric)."
    return window

bartlett = _window("bartlett", torch.bartlett_window)
blackman = _window("blackman", torch.blackman_window)
hamming = _window("hamming", torch.hamming_window)
hanning = _window("hanning", torch.hann_window)

def kaiser(x, beta):
    return torch.kaiser_window(int(x), periodic=False, beta=float(beta),
                               dtype=_dtypes.floatx())



__all__ = _op.public(globals())
