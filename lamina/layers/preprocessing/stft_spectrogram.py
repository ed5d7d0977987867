"""STFTSpectrogram: short-time Fourier transforms as a strided convolution
with (trainable) DFT kernels."""

import math
import warnings

import torch
import torch.nn.functional as F

from lamina import config
from lamina.initializers import STFT
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


@register()
class STFTSpectrogram(Layer):
    """Spectrograms of `(batch, time, channels)` signals, as Keras does: a
    convolution with `frame_length`-long kernels holding the windowed
    DFT's real and imaginary parts (`real_kernel`, `imag_kernel`, shaped
    `(frame_length, 1, fft_length // 2 + 1)` and trainable), stride
    `frame_step`.

    Args:
        mode: `"log"` (log magnitude), `"magnitude"`, `"psd"` (power, the
            inner bins doubled), `"real"`, `"imag"`, `"angle"` or `"stft"`
            (real and imaginary parts concatenated).
        frame_length: window length.
        frame_step: hop (defaults to `frame_length // 2`).
        fft_length: FFT size (defaults to the next power of two).
        window: a SciPy window name, an array, or None.
        periodic: use the periodic window.
        scaling: `"density"`, `"spectrum"` or None (see `STFT`).
        padding: `"valid"` or `"same"`.
        expand_dims: keep channels and frequencies on separate axes.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None,
                 fft_length=None, window="hann", periodic=False,
                 scaling="density", padding="valid", expand_dims=False,
                 data_format=None, **kwargs):
        if frame_step is not None and not 1 <= frame_step <= frame_length:
            raise ValueError(
                "`frame_step` should be a positive integer not greater than "
                f"`frame_length`. Received frame_step={frame_step}, "
                f"frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "`fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, "
                f"frame_length={frame_length}")
        if fft_length is not None and fft_length & -fft_length != fft_length:
            warnings.warn("`fft_length` is recommended to be a power of two. "
                          f"Received fft_length={fft_length}", stacklevel=2)
        if mode not in _MODES:
            raise ValueError(
                "Output mode is invalid, it must be one of "
                f"{', '.join(_MODES)}. Received: mode={mode}")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' or "
                f"'spectrum'. Received scaling={scaling}")
        if padding not in ("valid", "same"):
            raise ValueError("Padding is invalid, it should be 'valid', "
                             f"'same'. Received: padding={padding}")
        # Validates the window name (SciPy) before any weight exists.
        STFT("real", window, scaling, periodic)
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(
            math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape, initializer=STFT(
                    "real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape, initializer=STFT(
                    "imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _convolve(self, signals, kernel):
        """`(batch * channels, 1, time)` signals -> `(.., freqs, frames)`."""
        weight = kernel.to(signals.dtype).permute(2, 1, 0)
        if self.padding == "same":
            length = signals.shape[-1]
            frames = math.ceil(length / self._frame_step)
            total = max((frames - 1) * self._frame_step + self.frame_length
                        - length, 0)
            signals = F.pad(signals, (total // 2, total - total // 2))
        return F.conv1d(signals, weight, stride=self._frame_step)

    def call(self, inputs):
        if not inputs.is_floating_point():
            raise TypeError(
                "Invalid input type. Expected `float16`, `float32` or "
                f"`float64`. Received: input type={inputs.dtype}")
        if self.data_format == "channels_last":
            inputs = inputs.transpose(1, 2)
        batch, channels, time = inputs.shape
        signals = inputs.reshape(batch * channels, 1, time)
        real = imag = None
        if self.mode != "imag":
            real = self._convolve(signals, self.real_kernel)
        if self.mode != "real":
            imag = self._convolve(signals, self.imag_kernel)
        if self.mode == "real":
            outputs = real
        elif self.mode == "imag":
            outputs = imag
        elif self.mode == "angle":
            outputs = torch.atan2(imag, real)
        elif self.mode == "stft":
            outputs = torch.cat([real, imag], dim=1)
        else:
            power = real.square() + imag.square()
            if self.mode == "psd":
                outputs = power + F.pad(power[:, 1:-1], (0, 0, 1, 1))
            else:
                eps = config.epsilon()
                outputs = power.clamp(min=eps).sqrt()
                if self.mode == "log":
                    outputs = outputs.clamp(min=eps).log()
        outputs = outputs.reshape(batch, channels, *outputs.shape[1:])
        return self._arrange(outputs)

    def _arrange(self, outputs):
        """`(batch, channels, freqs, frames)` in the layer's layout."""
        batch, channels, freqs, frames = outputs.shape
        if self.expand_dims:
            return outputs.permute(0, 3, 2, 1) \
                if self.data_format == "channels_last" \
                else outputs.transpose(2, 3)
        outputs = outputs.reshape(batch, channels * freqs, frames)
        return outputs.transpose(1, 2) \
            if self.data_format == "channels_last" else outputs

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == "channels_last"
        time = input_shape[1] if channels_last else input_shape[2]
        channels = input_shape[-1] if channels_last else input_shape[1]
        freqs = self._fft_length // 2 + 1
        if self.mode == "stft":
            freqs *= 2
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = math.ceil(time / self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        batch = input_shape[0]
        if self.expand_dims:
            return (batch, frames, freqs, channels) if channels_last \
                else (batch, channels, frames, freqs)
        return (batch, frames, freqs * channels) if channels_last \
            else (batch, freqs * channels, frames)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config_
