"""LayerNormalization: normalizes each example over its feature axes."""

import warnings

import torch
import torch.nn.functional as F

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.layer import Layer
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype


@register()
class LayerNormalization(Layer):
    """Normalizes each example independently over the axes in `axis`.

    The output is `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with
    the mean and (biased) variance taken over `axis` for every example, in
    training and inference alike.

    Args:
        axis: int or list of ints, the axes to normalize over; `gamma` and
            `beta` have the input's sizes along them.
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of the weights.
        beta_regularizer, gamma_regularizer: optional weight regularizers.
        beta_constraint, gamma_constraint: optional weight constraints.
        rms_scaling: deprecated (keyword only): divides by
            `sqrt(variance + epsilon)` without centering and without `beta`.
            Use `RMSNormalization` for root-mean-square normalization.

    Example:
        >>> layer = LayerNormalization()
        >>> y = layer(torch.randn(2, 5, 8))  # each (example, step) normalized
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "`rms_scaling=True` is deprecated: it divides by the standard "
                "deviation, not by the root mean square. Use "
                "`lamina.layers.RMSNormalization` for RMS normalization.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = utils.validate_axis_argument(self, axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # Statistics need float32 even under a float16 policy.
        self.autocast = False

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        self._axes = utils.resolve_axes(self, self.axis, input_shape)
        shape = utils.sizes_along(self, self._axes, input_shape)
        # Keras keeps the axes as a sorted list once built (and saves that).
        axis = self.axis if isinstance(self.axis, list) else [self.axis]
        self.axis = sorted(axis)
        self._fused = utils.are_trailing(self._axes, rank)
        self._normalized_shape = shape
        self._broadcast_shape = utils.broadcast_shape(self._axes, input_shape)
        utils.add_gamma_beta(self, shape, self.scale or self.rms_scaling,
                             self.center and not self.rms_scaling)
        self.built = True  # also when build() is called directly

    def call(self, inputs):
        x = utils.at_least_float32(inputs)
        gamma = utils.cast_weight(self.gamma, x.dtype)
        beta = utils.cast_weight(self.beta, x.dtype)
        if self.rms_scaling:
            variance = torch.var(x, dim=self._axes, correction=0, keepdim=True)
            outputs = x * torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                outputs = outputs * gamma.reshape(self._broadcast_shape)
        elif self._fused:
            outputs = F.layer_norm(
                x, self._normalized_shape, gamma, beta, self.epsilon)
        else:
            variance, mean = torch.var_mean(
                x, dim=self._axes, correction=0, keepdim=True)
            inverse = torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inverse = inverse * gamma.reshape(self._broadcast_shape)
            shift = -mean * inverse
            if beta is not None:
                shift = shift + beta.reshape(self._broadcast_shape)
            outputs = x * inverse + shift
        dtype = to_torch_dtype(self.compute_dtype)
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def compute_output_shape(self, input_shape):
        utils.resolve_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(
                self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(
                self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        })
        return config
