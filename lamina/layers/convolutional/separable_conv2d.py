"""SeparableConv2D: depthwise-separable 2D convolution."""

from lamina.layers.convolutional.base_separable_conv import BaseSeparableConv
from lamina.layers.registry import register


@register("SeparableConvolution2D")
class SeparableConv2D(BaseSeparableConv):
    """Separable 2D convolution: a depthwise convolution per channel, then a
    pointwise (1x1) convolution mixing channels into `filters` outputs.

    Weights: `depthwise_kernel` `(kh, kw, in_channels, depth_multiplier)`,
    `pointwise_kernel` `(1, 1, in * depth_multiplier, filters)` and, with
    `use_bias`, `bias` `(filters,)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 2 ints, the depthwise window size.
        strides: int or tuple of 2 ints.
        padding: "valid" or "same".
        data_format: "channels_last" (`(batch, height, width, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of 2 ints.
        depth_multiplier: positive int, depthwise channels per input channel.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer, pointwise_initializer, bias_initializer:
            initializers.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer: regularizers.
        depthwise_constraint, pointwise_constraint, bias_constraint:
            constraints.

    Example:
        >>> x = np.random.rand(2, 10, 10, 3).astype("float32")
        >>> SeparableConv2D(4, 3)(x).shape
        torch.Size([2, 8, 8, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1,
                 activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, filters=filters,
            kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


SeparableConvolution2D = SeparableConv2D
