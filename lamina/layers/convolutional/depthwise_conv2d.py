"""DepthwiseConv2D: per-channel 2D convolution."""

from lamina.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from lamina.layers.registry import register


@register()
class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2D convolution: each input channel is convolved with its
    own `depth_multiplier` kernels; channels are not mixed.

    Weights: `kernel` of shape `(kh, kw, in_channels, depth_multiplier)` and,
    with `use_bias`, `bias` of shape `(in_channels * depth_multiplier,)`.
    Output channel `c * depth_multiplier + m` comes from input channel `c`.

    Args:
        kernel_size: int or tuple of 2 ints, the window size.
        strides: int or tuple of 2 ints.
        padding: "valid" or "same".
        depth_multiplier: positive int, output channels per input channel.
        data_format: "channels_last" (`(batch, height, width, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of 2 ints.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer, bias_initializer: initializers.
        depthwise_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        depthwise_constraint, bias_constraint: constraints.

    Example:
        >>> x = np.random.rand(2, 10, 10, 3).astype("float32")
        >>> DepthwiseConv2D(3, depth_multiplier=2)(x).shape
        torch.Size([2, 8, 8, 6])
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid",
                 depth_multiplier=1, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier,
            kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
