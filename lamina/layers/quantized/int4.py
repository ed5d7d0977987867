"""The "int4" mode: 4-bit weights packed two per int8 byte along the
output axis, weight-only by default.

Per-channel (`block_size` None or -1): symmetric, one scale per output
unit (Embedding: per row), `float ≈ q / scale`. Sub-channel (`block_size`
> 0, Keras's default 128): asymmetric, a scale and an int8 zero point per
group of `block_size` inputs and per output, `float ≈ (q - zero) *
scale`, with `g_idx` the group of each input row.

Dense weights: `kernel` (int8, `(input_dim, ceil(units / 2))`),
`kernel_scale`, and for sub-channel `kernel_zero` and `g_idx`; Embedding:
`embeddings`, `embeddings_scale`, `embeddings_zero`, `g_idx`.
"""

import math

import torch

from lamina.layers.quantized import common
from lamina.layers.quantized.int8 import dense_names
from lamina.layers.quantized.int8 import einsum_axes
from lamina.layers.quantized.int8 import embedding_indices
from lamina.layers.quantized.int8 import finish_einsum
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode
from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.quantizers.abs_max import abs_max_quantize_grouped_with_zero_point
from lamina.quantizers.int4_packing import pack_int4
from lamina.quantizers.int4_packing import unpack_int4
from lamina.quantizers.quantization_config import Int4QuantizationConfig
from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.quantizers.zero_point import dequantize_with_sz_map

register_mode("int4", Int4QuantizationConfig,
              default_config=Int4QuantizationConfig)


class _Int4Handler(common.WeightHandler):
    def block_size(self, layer, config):
        """The block size to encode with: the config's when quantizing,
        the layer's own when re-encoding (LoRA merge)."""
        if config is None:
            return layer._int4_block_size
        return common.block_size_for(layer, config)

    def weight_view(self, layer, stored):
        unpacked = unpack_int4(stored, layer._orig_output_dim, axis=-1)
        shape = getattr(layer, "original_kernel_shape", None)
        return unpacked if shape is None else unpacked.reshape(shape)

    def policy_mode(self, layer, config):
        block_size = common.block_size_for(layer, config)
        return f"int4/{-1 if block_size is None else block_size}"


def _group_index(length, block_size):
    return lambda shape, dtype=None: (
        torch.arange(length, dtype=torch.float32) // block_size)


@register_handler("int4", "dense")
class Int4Dense(_Int4Handler):
    def build(self, layer, kernel_shape, config):
        layer.inputs_quantizer = \
            QuantizationConfig.activation_quantizer_or_default(config, None)
        build_packed_kernel(layer, *kernel_shape, config)

    def encode(self, layer, kernel, config):
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=0, value_range=(-8, 7)))
        return encode_packed_kernel(
            layer, kernel, self.block_size(layer, config), quantizer)

    def decode(self, layer, dtype):
        return self.float_kernel(layer, dtype, read=getattr)

    def float_kernel(self, layer, dtype, read=common.read):
        """The dequantized `(input_dim, units)` kernel (its scales read as
        the call reads them, or as stored with `read=getattr`)."""
        unpacked = unpack_int4(common.float_weight(layer, "kernel"),
                               layer._orig_output_dim, axis=-1)
        if layer._int4_block_size is None:
            return unpacked.to(dtype) / read(layer, "kernel_scale")
        return dequantize_blocks(unpacked, read(layer, "kernel_scale"),
                                 layer.kernel_zero,
                                 layer._int4_block_size).to(dtype)

    def call(self, layer, inputs, training=None):
        dtype = common.compute_dtype(layer)
        with torch.no_grad():
            if layer._int4_block_size is None:
                unpacked = unpack_int4(common.float_weight(layer, "kernel"),
                                       layer._orig_output_dim, axis=-1)
                outputs = _per_channel(layer, inputs, unpacked, dtype)
            else:
                outputs = torch.matmul(
                    inputs.to(dtype), self.float_kernel(layer, dtype))
        outputs = common.with_inputs_gradient(
            inputs, outputs, lambda up: torch.matmul(
                up, self.float_kernel(layer, up.dtype).T))
        outputs = common.add_lora(layer, inputs, outputs)
        return common.finish_dense(layer, outputs)

    def saved_names(self, layer):
        names = ["kernel", "bias", "kernel_scale"]
        if layer._int4_block_size is not None:
            names += ["kernel_zero", "g_idx"]
        return dense_names(layer, names)


def build_packed_kernel(layer, rows, columns, config):
    """The int4 variables of a 2D `(rows, columns)` kernel packed along
    its columns: `kernel`, `kernel_scale`, and for sub-channel blocks of
    rows `kernel_zero` and `g_idx`."""
    common.frozen_weight(layer, "kernel", (rows, (columns + 1) // 2),
                         "int8")
    block_size = common.block_size_for(layer, config)
    layer._int4_block_size = block_size
    shape = (columns,) if block_size is None else (
        math.ceil(rows / block_size), columns)
    common.frozen_weight(layer, "kernel_scale", shape, initializer="ones")
    if block_size is not None:
        common.frozen_weight(layer, "kernel_zero", shape, "int8")
        common.frozen_weight(layer, "g_idx", (rows,), "float32",
                             _group_index(rows, block_size))
    layer._orig_output_dim = columns


def encode_packed_kernel(layer, kernel, block_size, quantizer):
    """The values of `build_packed_kernel`'s variables for a float 2D
    `kernel`: per-channel codes from `quantizer`, or grouped codes with
    zero points for `block_size` rows."""
    values = {}
    if block_size is None:
        codes, scale = common.quantize_weight(layer, quantizer, kernel, (0,))
        scale = scale.squeeze(0)
    else:
        codes, scale, values["kernel_zero"] = \
            abs_max_quantize_grouped_with_zero_point(
                kernel, block_size=block_size, to_numpy=True)
    values["kernel"] = pack_int4(codes, axis=-1)[0]
    values["kernel_scale"] = scale
    return values


def dequantize_blocks(codes, scale, zero, block_size):
    """`(codes - zero) * scale` with one `(scale, zero)` row per block of
    `block_size` rows (`dequantize_with_sz_map` for `g_idx = arange //
    block_size`, which Keras always writes, without the gathers)."""
    rows, groups = codes.shape[0], scale.shape[0]
    padded = torch.nn.functional.pad(
        codes, (0, 0, 0, groups * block_size - rows))
    blocks = padded.reshape(groups, block_size, -1).to(scale.dtype)
    values = (blocks - zero[:, None].to(scale.dtype)) * scale[:, None]
    return values.reshape(groups * block_size, -1)[:rows]


def _per_channel(layer, inputs, unpacked, dtype):
    output_scale = common.read(layer, "kernel_scale")
    x = inputs
    if layer.inputs_quantizer is not None:
        x, inputs_scale = layer.inputs_quantizer(inputs, axis=-1)
        output_scale = output_scale * inputs_scale
    if x.dtype == torch.int8:
        outputs = common.int8_matmul(x, unpacked)
    else:
        outputs = torch.matmul(x, unpacked.to(x.dtype))
    return outputs.to(dtype) / output_scale


@register_handler("int4", "embedding")
class Int4Embedding(_Int4Handler):
    weight_name = "embeddings"

    def build(self, layer, kernel_shape, config):
        input_dim, output_dim = kernel_shape
        common.frozen_weight(layer, "embeddings",
                             (input_dim, (output_dim + 1) // 2), "int8")
        block_size = common.block_size_for(layer, config)
        layer._int4_block_size = block_size
        shape = (input_dim,) if block_size is None else (
            input_dim, math.ceil(output_dim / block_size))
        common.frozen_weight(layer, "embeddings_scale", shape,
                             initializer="ones")
        if block_size is not None:
            common.frozen_weight(layer, "embeddings_zero", shape, "int8")
            common.frozen_weight(layer, "g_idx", (output_dim,), "float32",
                                 _group_index(output_dim, block_size))
        layer._orig_output_dim = output_dim

    def encode(self, layer, table, config):
        block_size = self.block_size(layer, config)
        values = {}
        if block_size is None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, AbsMaxQuantizer(axis=-1, value_range=(-8, 7)))
            codes, scale = common.quantize_weight(
                layer, quantizer, table, (-1,))
            scale = scale.squeeze(-1)
        else:
            # Groups run along the output axis: quantize the transpose.
            codes, scale, zero = abs_max_quantize_grouped_with_zero_point(
                table.T, block_size=block_size, to_numpy=True)
            codes, scale = codes.T, scale.T
            values["embeddings_zero"] = zero.T
        values["embeddings"] = pack_int4(codes.contiguous(), axis=-1)[0]
        values["embeddings_scale"] = scale
        return values

    def decode(self, layer, dtype):
        unpacked = unpack_int4(common.float_weight(layer, "embeddings"),
                               layer._orig_output_dim, axis=-1).to(dtype)
        if layer._int4_block_size is None:
            return unpacked / layer.embeddings_scale[:, None]
        return dequantize_with_sz_map(unpacked, layer.embeddings_scale,
                                      layer.embeddings_zero, layer.g_idx,
                                      group_axis=-1)

    def call(self, layer, inputs, training=None):
        inputs = embedding_indices(layer, inputs)
        dtype = common.compute_dtype(layer)
        unpacked = unpack_int4(common.float_weight(layer, "embeddings"),
                               layer._orig_output_dim, axis=-1)
        rows = unpacked[inputs].to(dtype)
        if layer._int4_block_size is None:
            scale = common.read(layer, "embeddings_scale")[inputs][..., None]
            outputs = rows / scale
        else:
            outputs = dequantize_with_sz_map(
                rows, common.read(layer, "embeddings_scale")[inputs],
                layer.embeddings_zero[inputs], layer.g_idx,
                group_axis=-1)
        return common.add_lora(layer, inputs, outputs, target="embeddings")

    def saved_names(self, layer):
        names = ["embeddings", "embeddings_scale"]
        if layer._int4_block_size is not None:
            names += ["embeddings_zero", "g_idx"]
        return names


@register_handler("int4", "einsum_dense")
class Int4EinsumDense(_Int4Handler):
    """The kernel as a 2D `(rows, columns)` view (contracted sizes in
    rows), packed along columns, as Keras stores it."""

    def build(self, layer, kernel_shape, config):
        axes = einsum_axes(layer)
        layer.inputs_quantizer = \
            QuantizationConfig.activation_quantizer_or_default(config, None)
        layer.quantization_axis = tuple(axes.input_reduced)
        layer.original_kernel_shape = tuple(kernel_shape)
        build_packed_kernel(layer, *axes.rows_columns(kernel_shape), config)

    def encode(self, layer, kernel, config):
        rows, columns = einsum_axes(layer).rows_columns(kernel.shape)
        # Keras's EinsumDense takes no custom int4 weight quantizer.
        return encode_packed_kernel(
            layer, kernel.reshape(rows, columns),
            self.block_size(layer, config),
            AbsMaxQuantizer(axis=0, value_range=(-8, 7)))

    def decode(self, layer, dtype):
        return self.float_kernel(layer, dtype, read=getattr)

    def float_kernel(self, layer, dtype, read=common.read):
        flat = Int4Dense.float_kernel(self, layer, dtype, read)
        return flat.reshape(layer.original_kernel_shape)

    def call(self, layer, inputs, training=None):
        axes = einsum_axes(layer)
        dtype = common.compute_dtype(layer)
        with torch.no_grad():
            kernel = self.float_kernel(layer, dtype)
            if layer._int4_block_size is None and \
                    layer.inputs_quantizer is not None:
                x, inputs_scale = layer.inputs_quantizer(
                    inputs, axis=layer.quantization_axis)
                inputs_scale = axes.scale_for_output(inputs_scale, "input")
                outputs = torch.einsum(layer.equation, x.to(dtype), kernel)
                outputs = outputs / inputs_scale
            else:
                outputs = torch.einsum(layer.equation, inputs.to(dtype),
                                       kernel)
        return finish_einsum(layer, inputs, outputs, self.float_kernel)

    def saved_names(self, layer):
        return Int4Dense.saved_names(self, layer)
