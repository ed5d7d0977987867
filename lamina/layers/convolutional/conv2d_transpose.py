"""Conv2DTranspose: transposed 2D convolution (upsampling images)."""

from lamina.layers.convolutional.base_conv_transpose import BaseConvTranspose
from lamina.layers.registry import register


@register("Convolution2DTranspose")
class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2D convolution: the gradient of Conv2D, used to
    upsample images.

    Weights: `kernel` of shape `(kh, kw, filters, in_channels)` and, with
    `use_bias`, `bias` of shape `(filters,)`.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 2 ints, the window size.
        strides: int or tuple of 2 ints; `> 1` excludes `dilation_rate > 1`.
        padding: "valid" or "same"; with "same" and no `output_padding` the
            output size is `input_size * strides`.
        output_padding: None, or int / tuple of 2 ints, each strictly less
            than the matching stride: extra output size on the right.
        data_format: "channels_last" (`(batch, height, width, channels)`) or
            "channels_first"; None means `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of 2 ints.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.

    Example:
        >>> x = np.random.rand(2, 5, 5, 3).astype("float32")
        >>> Conv2DTranspose(4, 3, strides=2, padding="same")(x).shape
        torch.Size([2, 10, 10, 4])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, output_padding=output_padding,
            data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


Convolution2DTranspose = Conv2DTranspose
