"""Checking indices before a device kernel reads them.

An out-of-range index into a CUDA gather, scatter or embedding is a
device-side assert, and after one the process's CUDA context is unusable
(every later CUDA call fails). So the layers, losses and metrics that
index with user values check them first, with one reduction and one host
read, and raise the same `ValueError` on every device.
"""

import weakref

import torch
from torch._subclasses.fake_tensor import FakeTensor

# id(tensor) -> (weak reference, version, low, high) of tensors whose range
# was read, so views of them (batches sliced from one labels tensor) need
# no reduction of their own.
_checked_ranges = {}
_MAX_CHECKED = 16


def _dtype_range(dtype):
    if dtype == torch.bool:
        return 0, 1
    if dtype.is_floating_point or dtype.is_complex:
        return None
    info = torch.iinfo(dtype)
    return info.min, info.max


def _read_range(tensor):
    """(low, high): one reduction and one host read."""
    tensor = tensor.detach()
    if tensor.dtype == torch.bool:
        tensor = tensor.to(torch.uint8)
    low, high = torch.aminmax(tensor)
    if tensor.device.type == "cpu":
        return low.item(), high.item()  # no copies to make
    return tuple(torch.stack((low, high)).tolist())  # one copy to the host


def _range_of_viewed(indices):
    """(low, high) of the tensor `indices` views (itself if none), read
    once per version of that tensor; None when it has another dtype."""
    base = indices if indices._base is None else indices._base
    if base.dtype != indices.dtype:
        return None
    entry = _checked_ranges.get(id(base))
    if entry is not None and entry[0]() is base and entry[1] == base._version:
        return entry[2], entry[3]
    low, high = _read_range(base)
    if len(_checked_ranges) >= _MAX_CHECKED:
        _checked_ranges.clear()
    _checked_ranges[id(base)] = (weakref.ref(base), base._version, low, high)
    return low, high


def gathered_from(rows, source):
    """Marks `rows` (integer rows gathered from `source`, a shuffled batch
    of in-memory labels) as holding only values of `source`: their range
    check reads `source`'s range, once per version of `source`, instead of
    a reduction and a host sync per batch. Returns `rows`."""
    if isinstance(rows, torch.Tensor) and rows.dtype == source.dtype and \
            _dtype_range(rows.dtype) is not None:
        rows._lamina_gathered_from = source
    return rows


def _range_of_source(indices):
    """(low, high) of the tensor `indices` was gathered from (see
    `gathered_from`), directly or through a view; None if unknown."""
    source = getattr(indices, "_lamina_gathered_from", None)
    if source is None and indices._base is not None:
        source = getattr(indices._base, "_lamina_gathered_from", None)
    if source is None or source.dtype != indices.dtype:
        return None
    return _range_of_viewed(source)


def _within(low, high, lower, upper):
    return (lower is None or low >= lower) and high < upper


def check_index_range(indices, upper, owner, lower=0, ignore=None):
    """Raises a `ValueError` naming `owner` unless every value of `indices`
    is in `[lower, upper)` (`lower=None`: no lower bound; `ignore`: one
    value that is always allowed, such as a loss's `ignore_class`).

    Nothing is read when the dtype's range already fits (a `uint8` index
    into 256 rows), for an empty tensor, or while `torch.compile` traces
    or shapes are inferred (meta and fake tensors).
    """
    if not isinstance(indices, torch.Tensor) or indices.numel() == 0:
        return
    fits = _dtype_range(indices.dtype)
    if fits is not None and (lower is None or fits[0] >= lower) \
            and fits[1] < upper:
        return
    if torch.compiler.is_compiling() or indices.device.type == "meta" or \
            isinstance(indices, FakeTensor):
        return  # shape inference and tracing: no values to read
    if ignore is not None:
        indices = torch.where(indices == ignore, upper - 1, indices)
        low, high = _read_range(indices)
    else:
        low, high = _range_of_source(indices) or \
            _range_of_viewed(indices) or _read_range(indices)
        if not _within(low, high, lower, upper) and (
                indices._base is not None or
                hasattr(indices, "_lamina_gathered_from")):
            # The source holds other values; read these ones.
            low, high = _read_range(indices)
    if _within(low, high, lower, upper):
        return
    if lower is not None and low < lower:
        bad = low
    else:
        bad = high
    if isinstance(bad, float) and bad.is_integer():
        bad = int(bad)
    expected = f"in [{lower}, {upper})" if lower is not None \
        else f"below {upper}"
    raise ValueError(
        f"{owner} received an index out of range. Expected values "
        f"{expected}. Received: {bad!r}"
    )


class index_range_guard:
    """Context manager around a kernel that indexes with `indices`: the
    same `ValueError` as `check_index_range` on every device, at the cost
    of a check only where a bad index would be unrecoverable.

    Off the CPU the range is checked before the kernel runs. On the CPU the
    kernel's own bounds check fails first and harmlessly, so the range is
    read only then, to raise the clear error; the usual step reads nothing.
    Use `check_index_range` directly around CPU kernels that do not check
    their indices.
    """

    __slots__ = ("_args", "_on_cpu")

    def __init__(self, indices, upper, owner, lower=0, ignore=None):
        self._args = (indices, upper, owner, lower, ignore)
        self._on_cpu = isinstance(indices, torch.Tensor) and \
            indices.device.type == "cpu"

    def __enter__(self):
        if not self._on_cpu:
            check_index_range(*self._args)
        return self

    def __exit__(self, kind, error, traceback):
        if self._on_cpu and kind is not None and \
                issubclass(kind, (IndexError, RuntimeError)):
            check_index_range(*self._args)  # raises when out of range
        return False
