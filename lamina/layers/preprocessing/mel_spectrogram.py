"""MelSpectrogram: audio to a (log) mel-scale power spectrogram."""

import math

import torch

from lamina.layers.layer import Layer
from lamina.layers.registry import register

# HTK's mel scale, as Keras: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def hertz_to_mel(frequencies):
    return _MEL_HIGH_FREQUENCY_Q * torch.log(
        1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins,
                                sampling_rate, lower_edge_hertz,
                                upper_edge_hertz, dtype=torch.float32,
                                device=None):
    """`(num_spectrogram_bins, num_mel_bins)` triangular filters with a
    peak of 1, on bins linearly spaced over `[0, sampling_rate / 2]` (the
    DC bin gets no weight)."""
    def tensor(value):
        return torch.as_tensor(value, dtype=dtype, device=device)

    linear = torch.linspace(0.0, float(sampling_rate) / 2.0,
                            num_spectrogram_bins, dtype=dtype,
                            device=device)[1:]
    bins_mel = hertz_to_mel(linear)[:, None]
    edges = torch.linspace(float(hertz_to_mel(tensor(lower_edge_hertz))),
                           float(hertz_to_mel(tensor(upper_edge_hertz))),
                           num_mel_bins + 2, dtype=dtype, device=device)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


@register()
class MelSpectrogram(Layer):
    """Computes mel spectrograms of audio, as Keras does: a centered STFT
    (reflect padding), the magnitude raised to `mag_exp`, the mel filter
    bank, then optionally decibels `10 log10(max(x, min_power) / ref)`
    floored at the batch's maximum minus `top_db`.

    Args:
        fft_length: FFT size.
        sequence_stride: hop between frames.
        sequence_length: window length (defaults to `fft_length`).
        window: `"hann"`, `"hamming"` or None (rectangular).
        sampling_rate: samples per second of the audio.
        num_mel_bins: mel bands.
        min_freq, max_freq: the filter bank's edges in Hz (`max_freq`
            defaults to half the sampling rate).
        power_to_db: convert to decibels.
        top_db, mag_exp, min_power, ref_power: as described above.

    Input shape: `(batch, samples)` or `(samples,)`.
    Output shape: `(batch, num_mel_bins, frames)`, with
    `frames = samples // sequence_stride + 1`.
    """

    def __init__(self, fft_length=2048, sequence_stride=512,
                 sequence_length=None, window="hann", sampling_rate=16000,
                 num_mel_bins=128, min_freq=20.0, max_freq=None,
                 power_to_db=True, top_db=80.0, mag_exp=2.0,
                 min_power=1e-10, ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "`fft_length` must be greater than or equal to "
                f"`sequence_length`. Received: `sequence_length`="
                f"{self.sequence_length}, `fft_length`={self.fft_length}.")
        if window not in ("hann", "hamming", None):
            raise ValueError(
                "Invalid value for argument `window` of MelSpectrogram. "
                "Expected 'hann', 'hamming' or None. "
                f"Received: window={window!r}")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)
        self.built = True

    def _window(self, dtype, device):
        if self.window == "hann":
            return torch.hann_window(self.sequence_length, periodic=True,
                                     dtype=dtype, device=device)
        if self.window == "hamming":
            return torch.hamming_window(self.sequence_length, periodic=True,
                                        dtype=dtype, device=device)
        return torch.ones(self.sequence_length, dtype=dtype, device=device)

    def call(self, inputs):
        compute = self.dtype_policy.torch_compute_dtype
        dtype = compute if compute in (torch.float32, torch.float64) \
            else torch.float32
        inputs = torch.as_tensor(inputs).to(dtype)
        batch_shape, samples = inputs.shape[:-1], inputs.shape[-1]
        spectrum = torch.stft(
            inputs.reshape(-1, samples), n_fft=self.fft_length,
            hop_length=self.sequence_stride,
            win_length=self.sequence_length,
            window=self._window(dtype, inputs.device), center=True,
            return_complex=True)
        power = spectrum.abs().pow(self.mag_exp).transpose(-1, -2)
        matrix = linear_to_mel_weight_matrix(
            self.num_mel_bins, power.shape[-1], self.sampling_rate,
            self.min_freq, self.max_freq, dtype=dtype, device=inputs.device)
        outputs = power @ matrix
        if self.power_to_db:
            outputs = self._decibels(outputs)
        outputs = outputs.transpose(-1, -2)
        outputs = outputs.reshape(*batch_shape, *outputs.shape[-2:])
        return outputs.to(compute)

    def _decibels(self, power):
        log_spec = 10.0 * torch.log10(power.clamp(min=self.min_power))
        log_spec = log_spec - 10.0 * math.log10(
            max(abs(self.ref_power), self.min_power))
        # The floor is relative to the whole batch's maximum, as in Keras.
        return torch.maximum(log_spec, log_spec.max() - self.top_db)

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else \
            (samples + self.sequence_stride + 1) // self.sequence_stride
        return (*tuple(input_shape)[:-1], self.num_mel_bins, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
