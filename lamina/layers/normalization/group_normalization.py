"""GroupNormalization: normalizes groups of channels within each example."""

import operator

import torch
import torch.nn.functional as F

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype


@register()
class GroupNormalization(Layer):
    """Splits the channels into `groups` and normalizes each group.

    For every example, the mean and (biased) variance are taken over the
    channels of a group and all non-batch axes; the result is then scaled
    and shifted per channel by `gamma` and `beta`. `groups=1` is layer
    normalization over all features; `groups=-1` (one channel per group) is
    instance normalization.

    Args:
        groups: positive int dividing the number of channels, or -1.
        axis: int, the channel axis (-1 for channels-last, 1 for
            channels-first data).
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of the weights.
        beta_regularizer, gamma_regularizer: optional weight regularizers.
        beta_constraint, gamma_constraint: optional weight constraints.

    Example:
        >>> layer = GroupNormalization(groups=4)
        >>> y = layer(torch.randn(2, 8, 8, 16))  # 4 groups of 4 channels
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True,
                 scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                f"Invalid value for argument `groups` of "
                f"{utils.describe(self)}. Expected a positive int, or -1 for "
                f"instance normalization. Received: groups={groups!r}"
            )
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"Invalid value for argument `axis` of {utils.describe(self)}"
                f". Expected an int. Received: axis={axis!r}"
            )
        self.groups = groups
        self.axis = operator.index(axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
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
        (self._channel_axis,) = utils.resolve_axes(
            self, self.axis, input_shape)
        (channels,) = utils.sizes_along(
            self, (self._channel_axis,), input_shape)
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(
                f"Invalid value for argument `groups` of "
                f"{utils.describe(self)}. Expected a divisor of the number of "
                f"channels ({channels}, axis {self.axis} of input shape "
                f"{input_shape}). Received: groups={self.groups}"
            )
        utils.add_gamma_beta(self, (channels,), self.scale, self.center)
        self.input_spec = InputSpec(
            ndim=len(input_shape), axes={self.axis: channels})
        self.built = True  # also when build() is called directly

    def call(self, inputs):
        x = utils.at_least_float32(inputs)
        # F.group_norm wants channels at axis 1; for NHWC input the moved
        # view is torch's zero-copy channels_last layout.
        moved = self._channel_axis != 1
        if moved:
            x = x.movedim(self._channel_axis, 1)
            if not x.requires_grad and torch.is_grad_enabled() and \
                    x.dim() > 3:
                # torch's channels_last group-norm backward crashes when
                # only gamma/beta need gradients (torch 2.13, CPU); the
                # contiguous layout avoids that kernel.
                x = x.contiguous()
        gamma = utils.cast_weight(self.gamma, x.dtype)
        beta = utils.cast_weight(self.beta, x.dtype)
        if gamma is None and beta is not None:
            # torch's group-norm backward fails for a bias without a weight
            # (torch 2.13); the offset is added separately instead.
            outputs = F.group_norm(x, self.groups, None, None, self.epsilon)
            outputs = outputs + beta.reshape((-1,) + (1,) * (x.dim() - 2))
        else:
            outputs = F.group_norm(x, self.groups, gamma, beta, self.epsilon)
        if moved:
            # CUDA's kernel returns channels-first memory (the CPU's keeps
            # channels_last): the moved-back output is made contiguous.
            outputs = outputs.movedim(1, self._channel_axis).contiguous()
        dtype = to_torch_dtype(self.compute_dtype)
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def compute_output_shape(self, input_shape):
        utils.resolve_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
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
