"""Normalization: shifts and scales features to zero mean and unit variance,
with statistics given or learned by `adapt()`."""

import math

import numpy as np
import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.registry import register


def _first_of_batch(batch):
    """`x` of an `(x, y[, sample_weight])` batch."""
    if isinstance(batch, tuple) or (
        isinstance(batch, list) and batch and
        isinstance(batch[0], torch.Tensor)
    ):
        return batch[0]
    return batch


@register()
class Normalization(Layer):
    """Normalizes inputs: `(inputs - mean) / sqrt(variance)`.

    The statistics are either passed as `mean` and `variance`, or computed
    from data with `adapt()` and stored as the non-trainable weights
    `mean`, `variance` (shaped like the kept axes) and `count` (an int32
    scalar kept for Keras compatibility), exactly as Keras stores them. The
    denominator is `max(sqrt(variance), epsilon())`.

    Args:
        axis: int, tuple of ints or None: the axes that keep a separate mean
            and variance per index (e.g. `-1`, the default, normalizes each
            feature of the last axis). None uses one scalar mean and variance.
        mean: the mean to use, broadcast to the kept axes; must come with
            `variance`.
        variance: the variance to use, broadcast to the kept axes.
        invert: if True, apply the inverse transform,
            `inputs * sqrt(variance) + mean`.

    Example:
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
        >>> layer(np.array([1.0, 2.0, 3.0]))
        tensor([-1.4142, -0.7071,  0.0000])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False,
                 **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._adapted = False
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization needs both `mean` and `variance` when one is "
                f"given. Received: mean={mean}, variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Arguments `mean` and `variance` of Normalization must "
                    f"have the same shape. Received: mean shape "
                    f"{np.shape(mean)}, variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be at most the number of axes "
                    f"({len(self.axis)}). Received: mean shape "
                    f"{np.shape(mean)} for axis={self.axis}"
                )

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values of Normalization must be in [-ndim, ndim)."
                f" Received inputs with ndim={ndim} and axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "All `axis` values kept by Normalization must have a known"
                    f" size. Received axis={self.axis}, input_shape="
                    f"{tuple(input_shape)}, unknown size at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim)
                                  if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1
            for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d]
                                         for d in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._mean_and_var_shape,
                initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(
                name="variance", shape=self._mean_and_var_shape,
                initializer="ones", trainable=False)
            self.count = self.add_weight(
                name="count", shape=(), dtype="int32", initializer="zeros",
                trainable=False)
            # Any in-place write (adapt, set_weights, load_state_dict, a
            # Keras weights file) bumps these; unchanged means "not adapted".
            self._fresh_versions = self._stat_versions()
            return
        mean = self._expand(self.input_mean, ndim)
        variance = self._expand(self.input_variance, ndim)
        dtype = self.dtype_policy.torch_compute_dtype
        device = self._weight_device()
        # Buffers follow `.to(device)` but stay out of the state_dict, as
        # Keras keeps given statistics out of its weights.
        self.register_buffer("mean", mean.to(device, dtype), persistent=False)
        self.register_buffer("variance", variance.to(device, dtype),
                             persistent=False)

    def _expand(self, value, ndim):
        value = torch.as_tensor(np.asarray(value, dtype="float64"))
        if value.ndim > 0:
            # Align the given dims with the kept axes, right to left.
            shape = [1] * ndim
            for i in range(1, value.ndim + 1):
                shape[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(shape)
        try:
            return torch.broadcast_to(value, self._broadcast_shape)
        except RuntimeError:
            raise ValueError(
                "Normalization could not broadcast `mean`/`variance` of shape "
                f"{tuple(np.shape(self.input_mean))} to the kept axes' shape "
                f"{self._broadcast_shape}."
            ) from None

    def _stat_versions(self):
        return (self.adapt_mean._version, self.adapt_variance._version)

    def _statistics(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        if not self._adapted and not torch.compiler.is_compiling():
            if self._stat_versions() == self._fresh_versions:
                raise ValueError(
                    f"Normalization layer '{self.name}' has no statistics "
                    "yet. Call `layer.adapt(data)` before using it, pass "
                    "`mean` and `variance` to the constructor, or load "
                    "weights."
                )
            self._adapted = True
        dtype = self.dtype_policy.torch_compute_dtype
        return (self.adapt_mean.reshape(self._broadcast_shape).to(dtype),
                self.adapt_variance.reshape(self._broadcast_shape).to(dtype))

    def call(self, inputs):
        mean, variance = self._statistics()
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(inputs, device=mean.device)
        inputs = inputs.to(mean.dtype)
        scale = variance.sqrt().clamp_min(config.epsilon())
        if self.invert:
            return mean + inputs * scale
        return (inputs - mean) / scale

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` and stores them.

        Args:
            data: a NumPy array or tensor (one batch), or a
                `lamina.utils.PyDataset`, torch `DataLoader` or any iterable
                of batches (arrays, tensors, or `(x, y)` tuples whose `x`
                is used).
            batch_size: with an array or tensor, stream it in batches of
                this size (the statistics are the same up to rounding).
            steps: read at most this many batches.
        """
        if self.input_mean is not None:
            raise ValueError(
                "Cannot adapt a Normalization layer constructed with `mean` "
                "and `variance`."
            )
        if isinstance(data, (np.ndarray, torch.Tensor)) and batch_size:
            data = [data[i:i + batch_size]
                    for i in range(0, len(data), batch_size)]
        if isinstance(data, (np.ndarray, torch.Tensor)):
            if data.size == 0 if isinstance(data, np.ndarray) else \
                    data.numel() == 0:
                raise ValueError(
                    "Normalization.adapt() received empty data. Received: "
                    f"data.shape={tuple(data.shape)}"
                )
            self._ensure_built(tuple(data.shape))
            mean, variance = self._array_statistics(data)
        else:
            mean, variance = self._streamed_statistics(data, steps)
        with torch.no_grad():
            self.adapt_mean.copy_(torch.as_tensor(mean))
            self.adapt_variance.copy_(torch.as_tensor(variance))
        self._adapted = True

    def _ensure_built(self, shape):
        if not self.built:
            self._maybe_build_from_shapes({"input_shape": shape})
            return
        for d in self._keep_axis:
            if d >= len(shape) or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"Normalization layer '{self.name}' was built for inputs "
                    f"of shape {self._build_input_shape}, but adapt() "
                    f"received data of incompatible shape {shape}."
                )

    def _array_statistics(self, data):
        if isinstance(data, np.ndarray):
            # Keras reduces NumPy data with NumPy, in the data's dtype.
            return (np.mean(data, axis=self._reduce_axis),
                    np.var(data, axis=self._reduce_axis))
        return _tensor_moments(data, self._reduce_axis)

    def _streamed_statistics(self, data, steps):
        if hasattr(data, "__getitem__") and hasattr(data, "__len__") and \
                hasattr(data, "on_epoch_end"):
            batches = (data[i] for i in range(len(data)))
        else:
            batches = iter(data)
        total_mean = total_var = None
        total_count = 0
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            batch = _first_of_batch(batch)
            if not isinstance(batch, torch.Tensor):
                batch = np.asarray(batch)
            batch = torch.as_tensor(
                batch, dtype=self.dtype_policy.torch_compute_dtype)
            if total_mean is None:
                self._ensure_built(tuple(batch.shape))
                total_mean = torch.zeros(self._mean_and_var_shape,
                                         dtype=batch.dtype,
                                         device=batch.device)
                total_var = torch.zeros_like(total_mean)
            else:
                self._ensure_built(tuple(batch.shape))
            batch_mean, batch_var = _tensor_moments(batch, self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            # The lack-of-fit sum of squares formula, as in Keras.
            total_var = (total_var + (total_mean - new_mean) ** 2) * \
                existing_weight + (batch_var + (batch_mean - new_mean) ** 2) \
                * batch_weight
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(
                "Normalization.adapt() received an empty dataset (no "
                "batches). Expected at least one batch of data."
            )
        return total_mean, total_var

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_build_config(self):
        if self.built:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config_):
        if config_:
            self._maybe_build_from_shapes(
                {"input_shape": tuple(config_["input_shape"])})

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config_


def _tensor_moments(x, reduce_axis):
    """Mean and (biased) variance as Keras's torch `ops.mean`/`ops.var`."""
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if not reduce_axis:
        return x, torch.zeros_like(x)
    return x.mean(dim=reduce_axis), x.var(dim=reduce_axis, correction=0)
