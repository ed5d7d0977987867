"""The "float8" mode: float8 training with delayed scaling (as NVIDIA's
Transformer Engine). The float kernel stays; inputs and kernel pass
through float8_e4m3fn and the outputs' gradient through float8_e5m2, each
with a scale and an amax history. The scales and histories are weights
flagged `overwrite_with_gradient`: their "gradient" is their next value,
which the optimizer assigns (so they update in training only).
"""

import torch

from lamina.dtype_policies.quantized_dtype_policy import \
    QuantizedFloat8DTypePolicy
from lamina.layers.quantized import common
from lamina.layers.quantized.int8 import dense_names
from lamina.layers.quantized.modes import LayerHandler
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode
from lamina.quantizers.float8 import compute_float8_amax_history
from lamina.quantizers.float8 import compute_float8_scale
from lamina.quantizers.float8 import float8_max
from lamina.quantizers.float8 import quantize_and_dequantize
from lamina.quantizers.quantization_config import Float8QuantizationConfig

register_mode("float8", Float8QuantizationConfig,
              default_config=Float8QuantizationConfig)

_E4M3, _E5M2 = "float8_e4m3fn", "float8_e5m2"
# In Keras's file order, after `kernel` and `bias`.
_SCALES = ("inputs_scale", "inputs_amax_history", "kernel_scale",
           "kernel_amax_history", "outputs_grad_scale",
           "outputs_grad_amax_history")


class _ForwardQDQ(torch.autograd.Function):
    """Quantize-dequantize in e4m3; in training the scale's and history's
    gradients are their next values."""

    @staticmethod
    def forward(ctx, x, scale, history, training, dtype):
        ctx.updates = (None, None)
        if training:
            ctx.updates = (
                compute_float8_scale(history.max(), scale, float8_max(_E4M3)),
                compute_float8_amax_history(x, history))
        return quantize_and_dequantize(x, scale, _E4M3, dtype)

    @staticmethod
    def backward(ctx, upstream):
        return (upstream,) + ctx.updates + (None, None)


class _GradientQDQ(torch.autograd.Function):
    """Identity forward; the backward quantize-dequantizes the incoming
    gradient in e5m2 and gives the scale's and history's next values."""

    @staticmethod
    def forward(ctx, x, scale, history, dtype):
        ctx.save_for_backward(scale, history)
        ctx.dtype = dtype
        return x.view_as(x)

    @staticmethod
    def backward(ctx, upstream):
        scale, history = ctx.saved_tensors
        new_scale = compute_float8_scale(history.max(), scale,
                                         float8_max(_E5M2))
        qdq = quantize_and_dequantize(upstream, scale, _E5M2, ctx.dtype)
        new_history = compute_float8_amax_history(upstream, history)
        return qdq.to(upstream.dtype), new_scale, new_history, None


@register_handler("float8", "dense")
class Float8Dense(LayerHandler):
    replaces_weight = False

    def build(self, layer, kernel_shape, config):
        length = getattr(
            layer.dtype_policy, "amax_history_length",
            QuantizedFloat8DTypePolicy.default_amax_history_length)
        for name in _SCALES:
            shape = (length,) if name.endswith("history") else ()
            common.add_weight(
                layer, name, shape=shape, dtype="float32", trainable=True,
                autocast=False, overwrite_with_gradient=True,
                initializer="zeros" if shape else "ones")

    def quantize(self, layer, config):
        kernel = common.float_weight(layer, "kernel")
        self.build(layer, tuple(kernel.shape), config)

    def call(self, layer, inputs, training=None):
        if getattr(layer, "lora_enabled", False):
            raise ValueError(
                f"Layer '{layer.name}': float8 quantization does not support "
                "LoRA. Quantize a layer without LoRA enabled.")
        dtype = common.compute_dtype(layer)
        training = bool(training)
        x = _ForwardQDQ.apply(inputs, layer.inputs_scale,
                              layer.inputs_amax_history, training, dtype)
        kernel = _ForwardQDQ.apply(layer.kernel, layer.kernel_scale,
                                   layer.kernel_amax_history, training, dtype)
        outputs = self.product(layer, x, kernel)
        outputs = _GradientQDQ.apply(outputs, layer.outputs_grad_scale,
                                     layer.outputs_grad_amax_history, dtype)
        if layer.bias is not None:
            bias = layer.bias
            if layer.compute_dtype == "float32":
                # As Keras: the bias goes through bfloat16 (XLA's fused
                # bias-add needs it), so the numbers match.
                bias = bias.to(torch.bfloat16).to(bias.dtype)
            outputs = outputs + bias
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def product(self, layer, x, kernel):
        return torch.matmul(x, kernel)

    def saved_names(self, layer):
        return dense_names(layer, ["kernel", "bias", *_SCALES])


@register_handler("float8", "einsum_dense")
class Float8EinsumDense(Float8Dense):
    def product(self, layer, x, kernel):
        return torch.einsum(layer.equation, x, kernel)
