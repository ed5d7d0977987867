"""Keras's result dtypes where torch's differ (`keras.ops` follows JAX:
integer sums stay int32, indices are int32, float-only math on ints and
bools computes in floatx)."""

import functools

import torch

from lamina import config
from lamina.utils.dtypes import to_torch_dtype

_NARROW = (torch.bool, torch.uint8, torch.int8, torch.int16)


def floatx():
    return to_torch_dtype(config.floatx())


def float_dtype(dtype):
    """Float and complex dtypes stay; bool and integers become floatx."""
    if dtype.is_floating_point or dtype.is_complex:
        return dtype
    return floatx()


def accumulation_dtype(dtype):
    """`sum`/`prod`: bool and narrow integers accumulate in int32; other
    dtypes keep theirs (torch alone would widen every integer to int64)."""
    return torch.int32 if dtype in _NARROW else dtype


def to_float(x):
    """`x` in its float dtype (floatx for bool and integers)."""
    dtype = float_dtype(x.dtype)
    return x if x.dtype == dtype else x.to(dtype)


def sortable(x):
    """`x` as a dtype torch's arg-reductions and sorts take (bools as
    uint8: torch has no bool kernels for them)."""
    return x.to(torch.uint8) if x.dtype == torch.bool else x


def scalar_dtype(*values):
    """The dtype Keras gives values used together (`arange`'s bounds,
    `full`'s fill value): a Python float is floatx, an int int32, a bool
    bool; arrays and tensors bring their own dtype."""
    result = None
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is None:
            dtype = floatx() if isinstance(value, float) else (
                torch.bool if isinstance(value, bool) else torch.int32)
        elif not isinstance(dtype, torch.dtype):
            dtype = torch.as_tensor(value).dtype
        result = dtype if result is None else torch.promote_types(result,
                                                                  dtype)
    return result


# Torch's words for "no kernel for this dtype" (NotImplementedError always
# means that; these RuntimeErrors too).
_DTYPE_ERROR_WORDS = ("not implemented for", "not supported", "only support",
                      "could not infer output dtype",
                      "non-complex dtypes", "Unsupported dtype",
                      "on an unsigned type")


def explain_dtype_errors(name):
    """Turns torch's "no kernel for this dtype" errors from op `name` into
    a TypeError naming the op and the input dtypes (Keras raises for the
    same inputs, with torch's raw message)."""
    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (NotImplementedError, RuntimeError) as error:
                text = str(error)
                if not isinstance(error, NotImplementedError) and not any(
                        word in text for word in _DTYPE_ERROR_WORDS):
                    raise
                raise TypeError(
                    f"ops.{name} does not support inputs of dtype "
                    f"{_dtypes_of(args, kwargs)} (Keras raises too). Cast "
                    "them to a supported dtype first, e.g. "
                    f"`ops.cast(x, 'float32')`. (torch: {text.strip()})"
                ) from None

        return op

    return decorate


def _dtypes_of(args, kwargs):
    found = []
    if kwargs.get("dtype") is not None:
        found.append(str(kwargs["dtype"]).replace("torch.", ""))
    for value in args:
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            dtype = getattr(item, "dtype", None)
            if dtype is not None:
                name = str(dtype).replace("torch.", "")
                if name not in found:
                    found.append(name)
    return ", ".join(found) if found else "(none)"
