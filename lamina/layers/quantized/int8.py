"""The "int8" mode: int8 weights with one float scale per output channel
(Dense, EinsumDense) or per row (Embedding); by default the inputs of a
matmul are quantized to int8 too (`AbsMaxQuantizer` on their last axis),
so Dense multiplies int8 by int8 with int32 accumulation.

Weights: `kernel` (int8, the float kernel's shape) and `kernel_scale`
(float32, `(units,)`); Embedding: `embeddings` (int8) and
`embeddings_scale` (`(input_dim,)`). `float ≈ int8 / scale`.
"""

import torch

from lamina.layers.quantized import common
from lamina.layers.quantized.einsum_axes import EinsumAxes
from lamina.layers.quantized.einsum_axes import int_einsum
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode
from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.quantizers.quantization_config import Int8QuantizationConfig
from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.utils.tensor_utils import check_index_range

register_mode("int8", Int8QuantizationConfig,
              default_config=Int8QuantizationConfig)


@register_handler("int8", "dense")
class Int8Dense(common.WeightHandler):
    def build(self, layer, kernel_shape, config):
        layer.inputs_quantizer = \
            QuantizationConfig.activation_quantizer_or_default(
                config, AbsMaxQuantizer())
        common.frozen_weight(layer, "kernel", kernel_shape, "int8")
        common.frozen_weight(layer, "kernel_scale", (kernel_shape[-1],),
                             initializer="ones")

    def encode(self, layer, kernel, config):
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=0))
        values, scale = common.quantize_weight(layer, quantizer, kernel, (0,))
        return {"kernel": values, "kernel_scale": scale.squeeze(0)}

    def decode(self, layer, dtype):
        kernel = common.float_weight(layer, "kernel")
        return kernel.to(dtype) / layer.kernel_scale

    def call(self, layer, inputs, training=None):
        kernel = common.float_weight(layer, "kernel")
        scale = common.read(layer, "kernel_scale")
        dtype = common.compute_dtype(layer)
        with torch.no_grad():
            outputs = _int8_matmul(layer, inputs, kernel, scale, dtype)
        outputs = common.with_inputs_gradient(
            inputs, outputs,
            lambda up: torch.matmul(up, (kernel.to(up.dtype) / scale).T))
        outputs = common.add_lora(layer, inputs, outputs)
        return common.finish_dense(layer, outputs)

    def saved_names(self, layer):
        return dense_names(layer, ["kernel", "bias", "kernel_scale"])


def _int8_matmul(layer, inputs, kernel, scale, dtype):
    """Keras's int8 forward: inputs quantized (unless weight-only), the
    product descaled by the kernel's (and inputs') scales."""
    output_scale = scale
    x = inputs
    if layer.inputs_quantizer is not None:
        x, inputs_scale = layer.inputs_quantizer(inputs, axis=-1)
        output_scale = output_scale * inputs_scale
    if x.dtype == torch.int8 and kernel.dim() == 2:
        outputs = common.int8_matmul(x, kernel)
    else:
        work = x.dtype if x.is_floating_point() else torch.float32
        outputs = torch.matmul(x.to(work), kernel.to(work))
    return outputs.to(dtype) / output_scale


def dense_names(layer, names):
    return [n for n in names if n != "bias" or layer.bias is not None]


@register_handler("int8", "embedding")
class Int8Embedding(common.WeightHandler):
    weight_name = "embeddings"

    def build(self, layer, kernel_shape, config):
        common.frozen_weight(layer, "embeddings", kernel_shape, "int8")
        # One scale per row: `input_dim` is usually the larger axis.
        common.frozen_weight(layer, "embeddings_scale", (kernel_shape[0],),
                             initializer="ones")

    def encode(self, layer, table, config):
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=-1))
        values, scale = common.quantize_weight(layer, quantizer, table, (-1,))
        return {"embeddings": values, "embeddings_scale": scale.squeeze(-1)}

    def decode(self, layer, dtype):
        table = common.float_weight(layer, "embeddings")
        return table.to(dtype) / layer.embeddings_scale[:, None]

    def call(self, layer, inputs, training=None):
        inputs = embedding_indices(layer, inputs)
        rows = common.float_weight(layer, "embeddings")[inputs]
        scale = common.read(layer, "embeddings_scale")[inputs][..., None]
        outputs = rows.to(common.compute_dtype(layer)) / scale
        return common.add_lora(layer, inputs, outputs, target="embeddings")

    def saved_names(self, layer):
        return ["embeddings", "embeddings_scale"]


def embedding_indices(layer, inputs):
    """Checked integer indices, as Embedding's float call takes them."""
    check_index_range(inputs, layer.input_dim,
                      f"Embedding '{layer.name}' (input_dim="
                      f"{layer.input_dim})")
    if inputs.dtype not in (torch.int32, torch.int64):
        inputs = inputs.to(torch.int64)
    return inputs


@register_handler("int8", "einsum_dense")
class Int8EinsumDense(common.WeightHandler):
    def build(self, layer, kernel_shape, config):
        axes = einsum_axes(layer)
        layer.inputs_quantizer = \
            QuantizationConfig.activation_quantizer_or_default(
                config, AbsMaxQuantizer())
        layer.quantization_axis = tuple(axes.input_reduced)
        common.frozen_weight(layer, "kernel", kernel_shape, "int8")
        common.frozen_weight(layer, "kernel_scale",
                             axes.kernel_scale_shape(kernel_shape),
                             initializer="ones")

    def encode(self, layer, kernel, config):
        axes = einsum_axes(layer)
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=tuple(axes.kernel_reduced)))
        values, scale = common.quantize_weight(
            layer, quantizer, kernel, axes.kernel_reduced)
        return {"kernel": values, "kernel_scale": axes.scale_for_output(scale)}

    def decode(self, layer, dtype):
        scale = einsum_axes(layer).scale_for_kernel(layer.kernel_scale)
        return common.float_weight(layer, "kernel").to(dtype) / scale

    def float_kernel(self, layer, dtype):
        scale = einsum_axes(layer).scale_for_kernel(
            common.read(layer, "kernel_scale"))
        return common.float_weight(layer, "kernel").to(dtype) / scale

    def call(self, layer, inputs, training=None):
        axes = einsum_axes(layer)
        kernel = common.float_weight(layer, "kernel")
        dtype = common.compute_dtype(layer)
        with torch.no_grad():
            if layer.inputs_quantizer is not None:
                x, inputs_scale = layer.inputs_quantizer(
                    inputs, axis=layer.quantization_axis)
                inputs_scale = axes.scale_for_output(inputs_scale, "input")
                outputs = int_einsum(layer.equation, x, kernel).to(dtype)
                outputs = outputs / (
                    inputs_scale * common.read(layer, "kernel_scale"))
            else:
                outputs = torch.einsum(layer.equation, inputs.to(dtype),
                                       self.float_kernel(layer, dtype))
        return finish_einsum(layer, inputs, outputs, self.float_kernel)

    def saved_names(self, layer):
        return dense_names(layer, ["kernel", "bias", "kernel_scale"])


def einsum_axes(layer):
    """The quantization layout of an EinsumDense (cached on the layer)."""
    axes = layer.__dict__.get("_einsum_axes")
    if axes is None:
        axes = EinsumAxes(layer.equation, layer.input_spec.ndim)
        layer.__dict__["_einsum_axes"] = axes
    return axes


def finish_einsum(layer, inputs, outputs, float_kernel):
    """An EinsumDense's quantized `outputs` (computed without autograd)
    finished: the inputs' gradient through `float_kernel(layer, dtype)`
    (the dequantized kernel), LoRA, bias and activation."""
    equation = einsum_axes(layer).gradient_equation
    outputs = common.with_inputs_gradient(
        inputs, outputs, lambda up: torch.einsum(
            equation, up, float_kernel(layer, up.dtype)))
    outputs = add_einsum_lora(layer, inputs, outputs)
    return common.finish_dense(layer, outputs)


def add_einsum_lora(layer, inputs, outputs):
    if not getattr(layer, "lora_enabled", False):
        return outputs
    update = torch.matmul(
        torch.einsum(layer.equation, inputs, layer.lora_kernel_a),
        layer.lora_kernel_b)
    outputs = outputs + (layer.lora_alpha / layer.lora_rank) * update
    return outputs.to(common.compute_dtype(layer))
