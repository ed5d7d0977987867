"""BaseConv: the shared N-D convolution behind Conv1D, Conv2D and Conv3D.

The kernel keeps Keras's shape `(*kernel_size, in_channels // groups,
filters)`; each call hands torch a permuted view of it, so nothing cached
goes stale when the weights change. Its memory is laid out so that view is
already in the format torch's convolution wants (`conv_utils.lay_out_kernel`):
no call copies the kernel.
"""

import torch
import torch.nn.functional as F

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.lora import LoRAMixin
from lamina.layers.lora import lora_weight
from lamina.saving.serialization import serialize_keras_object

CONV_FUNCTIONS = {2: F.conv2d, 3: F.conv3d}


class BaseConv(LoRAMixin, Layer):
    """N-D convolution: `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints; `> 1` excludes `dilation_rate >
            1`.
        padding: "valid", "same" (Keras/TF rule, extra pixel right/bottom) or,
            for rank 1 only, "causal".
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
        dilation_rate: int or tuple of `rank` ints.
        groups: positive int dividing both the input channels and `filters`.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.
        lora_rank: optional int; when set, the kernel is frozen and a
            trainable low-rank update `lora_kernel_a @ lora_kernel_b` is added.
        lora_alpha: scale of the LoRA update (`lora_alpha / lora_rank`);
            defaults to `lora_rank`.
    """

    kernel = lora_weight("kernel")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = conv_utils.positive_int(self, filters, "filters")
        self.groups = conv_utils.positive_int(self, groups, "groups")
        self.kernel_size = conv_utils.standardize_tuple(
            self, kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(
            self, strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(
            self, dilation_rate, rank, "dilation_rate")
        allowed = ("valid", "same", "causal") if rank == 1 \
            else ("valid", "same")
        self.padding = conv_utils.standardize_padding(self, padding, allowed)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        if self.filters % self.groups:
            raise ValueError(
                f"{conv_utils.describe(self)}: the number of filters must be "
                "evenly divisible by the number of groups. Received: "
                f"groups={self.groups}, filters={self.filters}"
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
        self._init_lora(lora_rank, lora_alpha)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._torch_kernel_size = conv_utils.lift(self.kernel_size, 1)
        self._torch_strides = conv_utils.lift(self.strides, 1)
        self._torch_dilation = conv_utils.lift(self.dilation_rate, 1)
        self._conv = CONV_FUNCTIONS[len(self._torch_kernel_size)]

    def build(self, input_shape):
        channels = conv_utils.input_channels(self, input_shape,
                                             self.data_format)
        if channels % self.groups:
            raise ValueError(
                f"{conv_utils.describe(self)}: the number of input channels "
                "must be evenly divisible by the number of groups. Received: "
                f"groups={self.groups}, input channels={channels} (input "
                f"shape {tuple(input_shape)})"
            )
        self.compute_output_shape(input_shape)
        self.kernel = conv_utils.lay_out_kernel(self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        ), conv_utils.kernel_storage_order(self.rank, self.data_format))
        self.bias = conv_utils.add_bias(self, self.filters)
        self.input_spec = conv_utils.channel_input_spec(self, channels)
        # Also when `build` is called directly rather than by `__call__`.
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def convolution_op(self, inputs, kernel):
        """The convolution alone (no bias, no activation), with `inputs` and
        `kernel` in Keras's layouts. `call` goes through it, so a subclass
        may override it to transform the kernel (weight standardization)."""
        return self._convolve(inputs, kernel, None)

    def _convolve(self, inputs, kernel, bias):
        x = conv_utils.to_torch_layout(inputs, self.data_format)
        x, padding = conv_utils.apply_padding(
            x, self.padding, self._torch_kernel_size, self._torch_strides,
            self._torch_dilation)
        # torch's float16 convolutions on the CPU run ~100x slower than
        # float32 ones: there they accumulate in float32 and round once (as
        # Keras does for float16 matmuls on the CPU).
        rounded = x.dtype == torch.float16 and x.device.type == "cpu"
        if rounded:
            x = x.float()
        kernel = conv_utils.kernel_to_torch(conv_utils.cast(kernel, x.dtype),
                                            self.rank)
        try:
            outputs = self._conv(
                x, kernel, conv_utils.cast(bias, x.dtype),
                self._torch_strides, padding, self._torch_dilation,
                self.groups,
            )
        except RuntimeError:
            # A clear error naming the layer if the window does not fit.
            self.compute_output_shape(tuple(inputs.shape))
            raise
        if rounded:
            outputs = outputs.to(torch.float16)
        return conv_utils.from_torch_layout(outputs, self.data_format,
                                            self.rank)

    def call(self, inputs):
        operation = self.convolution_op
        if getattr(operation, "__func__", None) is BaseConv.convolution_op:
            # The built-in convolution: the bias is fused into torch's op.
            outputs = self._convolve(inputs, self.kernel, self.bias)
        else:
            outputs = operation(inputs, self.kernel)
            if self.bias is not None:
                bias = self.bias
                if self.data_format == "channels_first":
                    bias = bias.reshape((self.filters,) + (1,) * self.rank)
                outputs = outputs + bias
        return outputs if self._linear else self.activation(outputs)

    def compute_output_shape(self, input_shape):
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
                                       spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
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
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
