"""Conv1D: 1D convolution over sequences (e.g. temporal data)."""

from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.registry import register


@register("Convolution1D")
class Conv1D(BaseConv):
    """1D convolution layer: slides `filters` kernels over one axis.

    Weights: `kernel` of shape `(kernel_size, in_channels // groups, filters)`
    and, with `use_bias`, `bias` of shape `(filters,)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 1 int, the window size.
        strides: int or tuple of 1 int; `> 1` excludes `dilation_rate > 1`.
        padding: "valid", "same" or "causal" (left padding only, so
            output step t sees inputs up to t).
        data_format: "channels_last" (`(batch, steps, channels)`) or
            "channels_first" (`(batch, channels, steps)`); None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of 1 int.
        groups: positive int dividing both the input channels and `filters`;
            each group of channels is convolved with `filters // groups`
            filters.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.

    Example:
        >>> x = np.random.rand(2, 10, 3).astype("float32")
        >>> Conv1D(4, 3)(x).shape
        torch.Size([2, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


Convolution1D = Conv1D
