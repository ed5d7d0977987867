"""BaseConvTranspose: the transposed convolution behind Conv*DTranspose.

The kernel keeps Keras's layout `(*kernel_size, filters, in_channels)`.
Output sizes follow Keras exactly: torch's full transposed output is cropped
to Keras's window, using torch's symmetric `padding` and right-side
`output_padding` where they express it and a view slice otherwise.
"""

import torch.nn.functional as F

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.saving.serialization import serialize_keras_object

TRANSPOSE_FUNCTIONS = {2: F.conv_transpose2d, 3: F.conv_transpose3d}


class BaseConvTranspose(Layer):
    """N-D transposed convolution (sometimes called deconvolution).

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints; `> 1` excludes `dilation_rate >
            1`.
        padding: "valid" or "same" ("same" with no `output_padding` gives
            `input_size * strides`).
        output_padding: None, or int / tuple of `rank` ints, each strictly
            less than the matching stride: extra size on the right.
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of `rank` ints.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = conv_utils.positive_int(self, filters, "filters")
        self.kernel_size = conv_utils.standardize_tuple(
            self, kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(
            self, strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(
            self, dilation_rate, rank, "dilation_rate")
        self.padding = conv_utils.standardize_padding(self, padding)
        self.output_padding = None if output_padding is None else \
            conv_utils.standardize_tuple(self, output_padding, rank,
                                         "output_padding", allow_zero=True)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        if self.output_padding is not None and any(
            p >= s for p, s in zip(self.output_padding, self.strides)
        ):
            raise ValueError(
                f"{conv_utils.describe(self)}: each value of `output_padding` "
                "must be strictly less than the matching value of `strides`. "
                f"Received: output_padding={self.output_padding}, "
                f"strides={self.strides}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{conv_utils.describe(self)}: `strides > 1` is not supported "
                f"together with `dilation_rate > 1`. Received: strides="
                f"{self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.get("linear")
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._torch_strides = conv_utils.lift(self.strides, 1)
        self._torch_dilation = conv_utils.lift(self.dilation_rate, 1)
        self._transpose = TRANSPOSE_FUNCTIONS[len(self._torch_strides)]

    def build(self, input_shape):
        channels = conv_utils.input_channels(self, input_shape,
                                             self.data_format)
        self.compute_output_shape(input_shape)
        self.kernel = conv_utils.lay_out_kernel(self.add_weight(
            name="kernel", shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        ), conv_utils.kernel_storage_order(self.rank, self.data_format))
        self.bias = conv_utils.add_bias(self, self.filters)
        self.input_spec = conv_utils.channel_input_spec(self, channels)
        # Also when `build` is called directly rather than by `__call__`.
        self.built = True

    def _plan(self, spatial):
        """Torch's `padding` and `output_padding` plus the slices that cut
        torch's output to Keras's window, for this input size."""
        output_padding = self.output_padding or (None,) * self.rank
        crops = [
            conv_utils.transpose_crops(n, k, s, d, self.padding, p)
            for n, k, s, d, p in zip(spatial, self.kernel_size, self.strides,
                                     self.dilation_rate, output_padding)
        ]
        if self.rank == 1:
            crops = [(0, 0)] + crops
        paddings, extras, slices = [], [], [slice(None), slice(None)]
        for left, right in crops:
            # Torch crops `pad` from both sides and extends the right side by
            # `output_padding`; Keras's windows never extend it by a full
            # stride, so that stays within torch's limit. The remaining
            # uneven crop is a view slice.
            pad = max(0, min(left, right))
            left, right = left - pad, right - pad
            paddings.append(pad)
            extras.append(max(0, -right))
            slices.append(slice(left, -right if right > 0 else None))
        return tuple(paddings), tuple(extras), tuple(slices)

    def call(self, inputs):
        spatial = tuple(conv_utils.spatial_dims(inputs.shape,
                                                self.data_format))
        padding, output_padding, slices = self._plan(spatial)
        x = conv_utils.to_torch_layout(inputs, self.data_format)
        kernel = conv_utils.kernel_to_torch(
            conv_utils.cast(self.kernel, x.dtype), self.rank)
        try:
            outputs = self._transpose(
                x, kernel, conv_utils.cast(self.bias, x.dtype),
                self._torch_strides, padding, output_padding, 1,
                self._torch_dilation,
            )
        except RuntimeError:
            # A clear error naming the layer if the output would be empty.
            self.compute_output_shape(tuple(inputs.shape))
            raise
        outputs = conv_utils.from_torch_layout(outputs[slices],
                                               self.data_format, self.rank)
        return outputs if self._linear else self.activation(outputs)

    def compute_output_shape(self, input_shape):
        output_padding = self.output_padding or (None,) * self.rank
        spatial = [
            conv_utils.transpose_output_size(n, k, s, d, self.padding, p)
            for n, k, s, d, p in zip(
                conv_utils.spatial_dims(input_shape, self.data_format),
                self.kernel_size, self.strides, self.dilation_rate,
                output_padding)
        ]
        conv_utils.check_output_sizes(self, input_shape, spatial, {
            "kernel_size": self.kernel_size, "strides": self.strides,
            "dilation_rate": self.dilation_rate, "padding": self.padding,
            "output_padding": self.output_padding,
        })
        return conv_utils.with_spatial(input_shape, self.data_format,
                                       spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(
                self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config
