"""`keras.ops.math` on torch: Fourier transforms (as Keras, complex values
travel as `(real, imag)` pairs), top-k, segment reductions, log-sum-exp."""

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._elementwise import erf, erfinv  # noqa: F401 (re-exported)
from lamina.ops._op import op
from lamina.ops.core import _tensor
from lamina.ops.linalg import qr  # noqa: F401 (re-exported)
from lamina.ops.numpy import rsqrt  # noqa: F401 (re-exported)


def _segment(name, reduce, data, segment_ids, num_segments):
    data, ids = _tensor(data), _tensor(segment_ids).long()
    if ids.dim() != 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"ops.{name}: `segment_ids` must be 1D with one id per row of "
            f"`data`. Received: data.shape={tuple(data.shape)}, "
            f"segment_ids.shape={tuple(ids.shape)}")
    count = int(ids.max().item()) + 1 if num_segments is None else int(
        num_segments)
    valid = (ids >= 0) & (ids < count)
    data, ids = data[valid], ids[valid]
    # Empty segments hold the reduction's identity (-inf for max, ...).
    out = torch.full((count,) + tuple(data.shape[1:]), _identity(
        reduce, data.dtype), dtype=data.dtype, device=data.device)
    index = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand_as(data)
    return out.scatter_reduce(0, index, data, reduce=reduce,
                              include_self=False)


def _identity(reduce, dtype):
    if reduce in ("sum", "prod"):
        return 0 if reduce == "sum" else 1
    if dtype.is_floating_point:
        return -torch.inf if reduce == "amax" else torch.inf
    info = torch.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _segment_op(name, reduce):
    @op(name)
    def segment(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002,E501
        return _segment(name, reduce, data, segment_ids, num_segments)

    segment.__name__ = name
    segment.__doc__ = (f"`{reduce}` of the rows of `data` sharing a segment "
                       "id (`sorted` is a hint; any order is accepted).")
    return segment


segment_sum = _segment_op("segment_sum", "sum")
segment_max = _segment_op("segment_max", "amax")
segment_min = _segment_op("segment_min", "amin")
segment_prod = _segment_op("segment_prod", "prod")


@op("top_k")
def top_k(x, k, sorted=True):  # noqa: A002 (Keras's name)
    """The `k` largest values along the last axis and their indices (int64,
    as Keras's torch backend)."""
    return tuple(torch.topk(_tensor(x), k, dim=-1, sorted=sorted))


@op("in_top_k")
def in_top_k(targets, predictions, k):
    predictions = _tensor(predictions)
    targets = _tensor(targets).long()
    score = predictions.gather(1, targets.unsqueeze(1))
    better = torch.sum(predictions > score, dim=1)
    return better < k


@op("logsumexp")
def logsumexp(x, axis=None, keepdims=False):
    x = _dtypes.to_float(_tensor(x))
    return torch.logsumexp(x, dim=_op.axes_of(axis, x.dim()),
                           keepdim=keepdims)


@op("extract_sequences")
def extract_sequences(x, sequence_length, sequence_stride):
    return _tensor(x).unfold(-1, sequence_length, sequence_stride)


def _complex(x, name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"ops.{name} takes a tuple (real, imag) of two "
                         f"tensors. Received: {type(x).__name__}")
    real, imag = _op.float_promoted(*x)
    if real.shape != imag.shape:
        raise ValueError(f"ops.{name}: real and imaginary parts must have "
                         f"the same shape. Received: {tuple(real.shape)} and "
                         f"{tuple(imag.shape)}")
    return torch.complex(real, imag)


def _pair(z):
    return torch.real(z).contiguous(), torch.imag(z).contiguous()


@op("fft")
def fft(x):
    return _pair(torch.fft.fft(_complex(x, "fft")))


@op("fft2")
def fft2(x):
    return _pair(torch.fft.fft2(_complex(x, "fft2")))


@op("ifft2")
def ifft2(x):
    return _pair(torch.fft.ifft2(_complex(x, "ifft2")))


@op("rfft")
def rfft(x, fft_length=None):
    return _pair(torch.fft.rfft(_dtypes.to_float(_tensor(x)), n=fft_length))


@op("irfft")
def irfft(x, fft_length=None):
    return torch.fft.irfft(_complex(x, "irfft"), n=fft_length)


def _window(window, sequence_length, dtype, device):
    if window is None:
        return torch.ones(sequence_length, dtype=dtype, device=device)
    if isinstance(window, str):
        makers = {"hann": torch.hann_window, "hamming": torch.hamming_window}
        if window not in makers:
            raise ValueError("Argument `window` must be 'hann', 'hamming', "
                             f"a tensor or None. Received: window={window!r}")
        return makers[window](sequence_length, periodic=True, dtype=dtype,
                              device=device)
    window = _tensor(window).to(dtype)
    if window.shape != (sequence_length,):
        raise ValueError("A `window` tensor must have shape "
                         f"({sequence_length},). Received: "
                         f"{tuple(window.shape)}")
    return window


@op("stft")
def stft(x, sequence_length, sequence_stride, fft_length, window="hann",
         center=True):
    """Short-time Fourier transform of the last axis, as `(real, imag)` of
    shape `(..., frames, fft_length // 2 + 1)`."""
    x = _dtypes.to_float(_tensor(x))
    win = _window(window, sequence_length, x.dtype, x.device)
    batch = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])
    if center:
        pad = fft_length // 2
        flat = torch.nn.functional.pad(flat.unsqueeze(1), (pad, pad),
                                       mode="reflect").squeeze(1)
    z = torch.stft(flat, fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=False,
                   return_complex=True)
    z = z.transpose(-1, -2).reshape(*batch, -1, fft_length // 2 + 1)
    return _pair(z)


@op("istft")
def istft(x, sequence_length, sequence_stride, fft_length, length=None,
          window="hann", center=True):
    """Inverse of `stft`: overlap-added frames divided by the summed
    squared window."""
    z = _complex(x, "istft")
    batch = z.shape[:-2]
    frames = torch.fft.irfft(z.reshape(-1, *z.shape[-2:]), n=fft_length)
    win = _window(window, sequence_length, frames.dtype, frames.device)
    left = (fft_length - sequence_length) // 2
    win = torch.nn.functional.pad(win, (left, fft_length - sequence_length -
                                        left))
    frames = frames * win
    count = frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    out = torch.nn.functional.fold(
        frames.transpose(-1, -2), (1, total), (1, fft_length),
        stride=(1, sequence_stride)).reshape(frames.shape[0], total)
    norm = torch.nn.functional.fold(
        (win * win).reshape(1, -1, 1).expand(1, fft_length, count),
        (1, total), (1, fft_length), stride=(1, sequence_stride)).reshape(
            total)
    out = out / torch.where(norm > 1e-10, norm, torch.ones_like(norm))
    if center:
        out = out[:, fft_length // 2:total - fft_length // 2]
    if length is not None:
        out = out[:, :length]
        if out.shape[-1] < length:
            out = torch.nn.functional.pad(out, (0, length - out.shape[-1]))
    return out.reshape(*batch, out.shape[-1])


@op("logdet")
def logdet(x):
    return torch.logdet(_dtypes.to_float(_tensor(x)))


@op("view_as_complex")
def view_as_complex(x):
    return torch.view_as_complex(_dtypes.to_float(_tensor(x)).contiguous())


@op("view_as_real")
def view_as_real(x):
    return torch.view_as_real(_tensor(x))


__all__ = _op.public(globals()) + ["erf", "erfinv", "qr", "rsqrt"]
