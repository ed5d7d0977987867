"""RMSNormalization: divides by the root mean square, then scales."""

import torch
import torch.nn.functional as F

from lamina.layers.layer import Layer
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register


@register()
class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang and Sennrich, 2019).

    Computes `x * rsqrt(mean(square(x), axis) + epsilon) * scale`, without
    centering, with a learned per-feature `scale` (initialized to ones).

    Args:
        axis: int or list of ints, the axes to normalize over; `scale` has
            the input's sizes along them.
        epsilon: small float added to the mean square.

    Example:
        >>> layer = RMSNormalization()
        >>> y = layer(torch.randn(2, 5, 8))
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = utils.validate_axis_argument(self, axis)
        self.epsilon = epsilon

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._axes = utils.resolve_axes(self, self.axis, input_shape)
        shape = utils.sizes_along(self, self._axes, input_shape)
        # Keras keeps the axes as a sorted list once built (and saves that).
        axis = self.axis if isinstance(self.axis, list) else [self.axis]
        self.axis = sorted(axis)
        self._fused = utils.are_trailing(self._axes, len(input_shape))
        self._normalized_shape = shape
        self._broadcast_shape = utils.broadcast_shape(self._axes, input_shape)
        self.scale = self.add_weight(
            name="scale", shape=shape, initializer="ones")
        self.built = True  # also when build() is called directly

    def call(self, x):
        original_dtype = x.dtype
        x = utils.at_least_float32(x)
        scale = utils.cast_weight(self.scale, x.dtype)
        if self._fused:
            outputs = F.rms_norm(
                x, self._normalized_shape, scale, self.epsilon)
        else:
            mean_square = x.square().mean(dim=self._axes, keepdim=True)
            outputs = x * torch.rsqrt(mean_square + self.epsilon)
            outputs = outputs * scale.reshape(self._broadcast_shape)
        return outputs.to(original_dtype)

    def compute_output_shape(self, input_shape):
        utils.resolve_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
