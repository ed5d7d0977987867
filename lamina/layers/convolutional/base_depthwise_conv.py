"""BaseDepthwiseConv: per-channel convolution behind DepthwiseConv1D/2D.

The kernel keeps Keras's layout `(*kernel_size, in_channels,
depth_multiplier)`; output channel `c * depth_multiplier + m` is input channel
`c` convolved with `kernel[..., c, m]`, which is torch's grouped convolution
with `groups=in_channels` on a reshaped view of the kernel.
"""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.convolutional import conv_utils
from lamina.layers.convolutional.base_conv import CONV_FUNCTIONS
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import serialize_keras_object


def depthwise_conv(layer, x, kernel, bias):
    """Depthwise convolution of torch-layout data `x` (1D already lifted)."""
    x, padding = conv_utils.apply_padding(
        x, layer.padding, layer._torch_kernel_size, layer._torch_strides,
        layer._torch_dilation)
    channels = kernel.shape[-2]
    kernel = kernel.reshape(
        tuple(kernel.shape[:-2]) + (1, channels * kernel.shape[-1]))
    return layer._conv(
        x, conv_utils.kernel_to_torch(conv_utils.cast(kernel, x.dtype),
                                      layer.rank),
        conv_utils.cast(bias, x.dtype), layer._torch_strides, padding,
        layer._torch_dilation, channels,
    )


class DepthwiseArguments(Layer):
    """Argument handling shared by depthwise and separable convolutions."""

    def _standardize_window(self, rank, kernel_size, strides, padding,
                            data_format, dilation_rate, depth_multiplier):
        self.rank = rank
        self.depth_multiplier = conv_utils.positive_int(
            self, depth_multiplier, "depth_multiplier")
        self.kernel_size = conv_utils.standardize_tuple(
            self, kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(
            self, strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(
            self, dilation_rate, rank, "dilation_rate")
        self.padding = conv_utils.standardize_padding(self, padding)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._torch_kernel_size = conv_utils.lift(self.kernel_size, 1)
        self._torch_strides = conv_utils.lift(self.strides, 1)
        self._torch_dilation = conv_utils.lift(self.dilation_rate, 1)
        self._conv = CONV_FUNCTIONS[len(self._torch_kernel_size)]

    def _output_shape(self, input_shape, channels):
        spatial = [
            conv_utils.conv_output_size(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                conv_utils.spatial_dims(input_shape, self.data_format),
                self.kernel_size, self.strides, self.dilation_rate)
        ]
        conv_utils.check_output_sizes(self, input_shape, spatial, {
            "kernel_size": self.kernel_size, "strides": self.strides,
            "dilation_rate": self.dilation_rate, "padding": self.padding,
        })
        return conv_utils.with_spatial(input_shape, self.data_format,
                                       spatial, channels)

    def _add_depthwise_kernel(self, name, channels):
        return conv_utils.lay_out_kernel(self.add_weight(
            name=name,
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        ), conv_utils.kernel_storage_order(self.rank, self.data_format,
                                           depthwise=True))

    def _depthwise_call(self, inputs, kernel, bias):
        """The depthwise convolution of `inputs`, in torch's layout."""
        x = conv_utils.to_torch_layout(inputs, self.data_format)
        try:
            return depthwise_conv(self, x, kernel, bias)
        except RuntimeError:
            # A clear error naming the layer if the window does not fit.
            self.compute_output_shape(tuple(inputs.shape))
            raise

    def _activate(self, outputs):
        """Torch-layout `outputs` back in `data_format`, activated."""
        outputs = conv_utils.from_torch_layout(outputs, self.data_format,
                                               self.rank)
        return outputs if self._linear else self.activation(outputs)

    def _window_config(self):
        return {
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }


class BaseDepthwiseConv(DepthwiseArguments):
    """N-D depthwise convolution: each input channel gets its own
    `depth_multiplier` filters.

    Args:
        rank: number of spatial dimensions (1 or 2).
        depth_multiplier: positive int, output channels per input channel.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of `rank` ints.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias of shape `(in_channels *
            depth_multiplier,)`.
        depthwise_initializer, bias_initializer: initializers.
        depthwise_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        depthwise_constraint, bias_constraint: constraints.
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1,
                 padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._standardize_window(rank, kernel_size, strides, padding,
                                 data_format, dilation_rate, depth_multiplier)
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.get("linear")
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        channels = conv_utils.input_channels(self, input_shape,
                                             self.data_format)
        self.compute_output_shape(input_shape)
        self.kernel = self._add_depthwise_kernel("kernel", channels)
        self.bias = conv_utils.add_bias(self, channels * self.depth_multiplier)
        self.input_spec = conv_utils.channel_input_spec(self, channels)
        # Also when `build` is called directly rather than by `__call__`.
        self.built = True

    def call(self, inputs):
        return self._activate(
            self._depthwise_call(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[conv_utils.channel_axis(
            self.data_format)]
        return self._output_shape(
            input_shape,
            None if channels is None else channels * self.depth_multiplier)

    def get_config(self):
        config = super().get_config()
        config.update(self._window_config())
        config.update({
            "depthwise_initializer": serialize_keras_object(
                self.depthwise_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "depthwise_regularizer": serialize_keras_object(
                self.depthwise_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "depthwise_constraint": serialize_keras_object(
                self.depthwise_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config
