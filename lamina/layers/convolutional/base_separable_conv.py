"""BaseSeparableConv: depthwise then pointwise convolution (SeparableConv*).

Weights in Keras's layouts: `depthwise_kernel` `(*kernel_size, in_channels,
depth_multiplier)`, `pointwise_kernel` `(1, ..., 1, in_channels *
depth_multiplier, filters)` and `bias` `(filters,)`.
"""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.convolutional import conv_utils
from lamina.layers.convolutional.base_depthwise_conv import DepthwiseArguments
from lamina.saving.serialization import serialize_keras_object


class BaseSeparableConv(DepthwiseArguments):
    """N-D separable convolution: a depthwise convolution of the channels
    followed by a 1x1 convolution mixing them into `filters` outputs.

    Args:
        rank: number of spatial dimensions (1 or 2).
        depth_multiplier: positive int, depthwise channels per input channel.
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the depthwise window size.
        strides: int or tuple of `rank` ints.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of `rank` ints.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer, pointwise_initializer, bias_initializer:
            initializers.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
            activity_regularizer: regularizers.
        depthwise_constraint, pointwise_constraint, bias_constraint:
            constraints.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size,
                 strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._standardize_window(rank, kernel_size, strides, padding,
                                 data_format, dilation_rate, depth_multiplier)
        self.filters = conv_utils.positive_int(self, filters, "filters")
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.get("linear")
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = conv_utils.input_channels(self, input_shape,
                                             self.data_format)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self._add_depthwise_kernel(
            "depthwise_kernel", channels)
        self.pointwise_kernel = conv_utils.lay_out_kernel(self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier,
                                      self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        ), conv_utils.kernel_storage_order(self.rank, self.data_format))
        self.bias = conv_utils.add_bias(self, self.filters)
        self.input_spec = conv_utils.channel_input_spec(self, channels)
        # Also when `build` is called directly rather than by `__call__`.
        self.built = True

    def call(self, inputs):
        x = self._depthwise_call(inputs, self.depthwise_kernel, None)
        pointwise = conv_utils.kernel_to_torch(
            conv_utils.cast(self.pointwise_kernel, x.dtype), self.rank)
        return self._activate(
            self._conv(x, pointwise, conv_utils.cast(self.bias, x.dtype)))

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(self._window_config())
        config.update({
            "filters": self.filters,
            "depthwise_initializer": serialize_keras_object(
                self.depthwise_initializer),
            "pointwise_initializer": serialize_keras_object(
                self.pointwise_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "depthwise_regularizer": serialize_keras_object(
                self.depthwise_regularizer),
            "pointwise_regularizer": serialize_keras_object(
                self.pointwise_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "depthwise_constraint": serialize_keras_object(
                self.depthwise_constraint),
            "pointwise_constraint": serialize_keras_object(
                self.pointwise_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config
