"""Dense: `activation(inputs @ kernel + bias)`, kernel laid out (in, out)."""

import torch

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.lora import LoRAMixin
from lamina.layers.lora import lora_weight
from lamina.layers.quantized.quantizable import Quantizable
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object


@register()
class Dense(Quantizable, LoRAMixin, Layer):
    """A densely-connected layer.

    Args:
        units: positive int, the output size.
        activation: activation name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints.
        lora_rank: optional positive int; if set, the layer's `kernel` is
            frozen at build and a trainable low-rank update is added to it
            (LoRA, see `enable_lora`).
        lora_alpha: the LoRA update's scale numerator (`lora_alpha /
            lora_rank`); defaults to `lora_rank`.
        quantization_config: optional `keras.quantizers.QuantizationConfig`
            used when the layer is quantized (`quantize()`, or a quantized
            `dtype` policy such as "int8_from_float32").
    """

    kernel = lora_weight("kernel")
    quantization_kind = "dense"

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_quantization(quantization_config)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units` in layer '{self.name}'"
                f": expected a positive integer. Received: units={units!r}"
            )
        self.units = units
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
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if self.quantization_mode:
            self.quantized_build((input_dim, self.units),
                                 self.quantization_mode,
                                 self.quantization_config)
        if self._builds_float_weight():
            self.kernel = self.add_weight(
                name="kernel", shape=(input_dim, self.units),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs, training=None):
        if self._is_quantized:
            return self.quantized_call(inputs, training=training)
        kernel = self.kernel
        if not inputs.is_floating_point():
            # Integer inputs promote to the kernel's dtype, as Keras's
            # matmul does.
            inputs = inputs.to(kernel.dtype)
        if self.bias is not None and inputs.dim() == 2:
            outputs = torch.addmm(self.bias, inputs, kernel)
        else:
            outputs = torch.matmul(inputs, kernel)
            if self.bias is not None:
                outputs = outputs + self.bias
        return outputs if self._linear else self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(
                self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "quantization_config": serialize_keras_object(
                self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
