"""STFT: a kernel whose convolution computes a short-time Fourier transform."""

import math

import torch

from lamina.initializers._initializer import Initializer
from lamina.initializers._initializer import float_dtype
from lamina.initializers._initializer import standardize_shape
from lamina.initializers._registry import REGISTRY

_SIDES = ("real", "imag")
_SCALINGS = (None, "density", "spectrum")


def _scipy_window(name, length, periodic):
    try:
        from scipy import signal
    except ImportError as error:
        raise ImportError(
            "The STFT initializer needs SciPy for named windows "
            f"(window={name!r}). Install it with `pip install scipy`, or "
            "pass the window as an array."
        ) from error
    return signal.get_window(name, length, fftbins=periodic)


@REGISTRY.register("stft", "STFTInitializer")
class STFT(Initializer):
    """Initializes a `(frame_length, 1, fft_length)` kernel with the real or
    imaginary part of a windowed DFT.

    A Conv1D with this kernel, stride `hop_length` and `fft_length`
    filters computes one side of the STFT of its input (see
    `STFTSpectrogram`).

    Args:
        side: `"real"` for the cosine kernel, `"imag"` for the sine kernel.
        window: A SciPy window name (`"hann"`, `"hamming"`, ...), an array
            of length `frame_length`, or `None` for no window.
        scaling: `"density"` divides by `sqrt(sum(window ** 2))`,
            `"spectrum"` by `sum(abs(window))`, `None` leaves it.
        periodic: Use the periodic (rather than symmetric) window.
    """

    def __init__(self, side="real", window="hann", scaling="density",
                 periodic=False):
        if side not in _SIDES:
            raise ValueError(
                f"Invalid value for argument `side`. Expected one of "
                f"{_SIDES}. Received: side={side!r}"
            )
        if isinstance(window, str):
            _scipy_window(window, 1, periodic)  # Fails early on bad names.
        if scaling not in _SCALINGS:
            raise ValueError(
                f"Invalid value for argument `scaling`. Expected one of "
                f"{_SCALINGS}. Received: scaling={scaling!r}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 3:
            raise ValueError(
                "STFT initializes kernels of shape (frame_length, "
                f"input_channels, fft_length). Received: shape={shape}"
            )
        dtype = float_dtype(dtype, self)
        frame_length, _, fft_length = shape
        freq = torch.arange(fft_length, dtype=dtype).reshape(1, 1, -1)
        freq = freq / ((fft_length - 1) * 2)
        time = torch.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
        args = -2 * time * freq * math.pi
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if self.window is not None:
            window = self.window
            if isinstance(window, str):
                window = _scipy_window(window, frame_length, self.periodic)
            window = torch.as_tensor(window, dtype=dtype)
            if window.shape != (frame_length,):
                raise ValueError(
                    "The shape of `window` must be (frame_length,) = "
                    f"({frame_length},). Received: "
                    f"window.shape={tuple(window.shape)}"
                )
            window = window.reshape(-1, 1, 1)
            scale = 1.0
            if self.scaling == "density":
                scale = torch.sqrt(torch.sum(window * window))
            elif self.scaling == "spectrum":
                scale = torch.sum(torch.abs(window))
            kernel = kernel * window / scale
        return kernel.expand(shape).clone()

    def get_config(self):
        return {
            "side": self.side,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }
