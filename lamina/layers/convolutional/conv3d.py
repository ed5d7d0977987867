"""Conv3D: 3D convolution over volumes."""

from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.registry import register


@register("Convolution3D")
class Conv3D(BaseConv):
    """3D convolution layer: slides `filters` kernels over three axes.

    Weights: `kernel` of shape `(kd, kh, kw, in_channels // groups, filters)`
    and, with `use_bias`, `bias` of shape `(filters,)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 3 ints, the window size.
        strides: int or tuple of 3 ints; `> 1` excludes `dilation_rate > 1`.
        padding: "valid" or "same" (Keras's rule: the extra padding
            pixel goes at the end of each axis).
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first" (`(batch, channels, d1, d2, d3)`); None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of 3 ints.
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
        >>> x = np.random.rand(2, 6, 6, 6, 3).astype("float32")
        >>> Conv3D(4, 3)(x).shape
        torch.Size([2, 4, 4, 4, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1,
                 activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size,
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


Convolution3D = Conv3D
