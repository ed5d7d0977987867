"""int8 and int4 for ReversibleEmbedding: the forward lookup is
Embedding's; the reverse projection (`reverse=True`) multiplies by the
quantized table (tied weights) or by its own quantized
`reverse_embeddings` of shape `(output_dim, input_dim)`, with the inputs
quantized by an `AbsMaxQuantizer` unless the config says otherwise."""

import math

import torch

from lamina.layers.quantized import common
from lamina.layers.quantized.int4 import Int4Embedding
from lamina.layers.quantized.int8 import Int8Embedding
from lamina.layers.quantized.modes import register_handler
from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.quantizers.abs_max import abs_max_quantize_grouped_with_zero_point
from lamina.quantizers.int4_packing import pack_int4
from lamina.quantizers.int4_packing import unpack_int4
from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.quantizers.zero_point import dequantize_with_sz_map

_REVERSE = ("reverse_embeddings", "reverse_embeddings_scale",
            "reverse_embeddings_zero")


class _Reversible:
    """What the int8 and int4 handlers share."""

    def build(self, layer, kernel_shape, config):
        super().build(layer, kernel_shape, config)
        layer.inputs_quantizer = \
            QuantizationConfig.activation_quantizer_or_default(
                config, AbsMaxQuantizer(axis=-1))
        if not layer.tie_weights:
            self.build_reverse(layer, config)

    def quantize(self, layer, config):
        # Both tables are encoded before either is replaced: a quantizer
        # refused on one leaves the layer as it was.
        reverse = None
        if not layer.tie_weights:
            reverse = self.quantize_reverse(
                layer, config, layer.reverse_embeddings.detach())
        table = common.float_weight(layer, "embeddings").detach()
        values = self.encode(layer, table, config)
        if not layer.tie_weights:
            common.drop_weight(layer, "reverse_embeddings")
        self.install(layer, tuple(table.shape), values, config)
        for name, value in zip(_REVERSE, reverse or ()):
            if value is not None:
                getattr(layer, name).assign(value)

    def call(self, layer, inputs, training=None, reverse=False):
        if not reverse:
            return super().call(layer, inputs, training)
        dtype = common.compute_dtype(layer)
        with torch.no_grad():
            inputs_scale = torch.ones((1,), dtype=dtype,
                                      device=inputs.device)
            if layer.inputs_quantizer is not None:
                inputs, inputs_scale = layer.inputs_quantizer(inputs)
            logits = self.reverse_logits(layer, inputs, inputs_scale, dtype)
        if layer.logit_soft_cap is not None:
            cap = layer.logit_soft_cap
            logits = torch.tanh(logits / cap) * cap
        return logits

    def saved_names(self, layer):
        names = super().saved_names(layer)
        if not layer.tie_weights:
            names += [n for n in _REVERSE if hasattr(layer, n)]
        return names


def _product(x, kernel):
    if x.dtype == torch.int8 and kernel.dtype == torch.int8:
        return common.int8_matmul(x, kernel)
    work = x.dtype if x.is_floating_point() else torch.float32
    return torch.matmul(x.to(work), kernel.to(work))


@register_handler("int8", "reversible_embedding")
class Int8ReversibleEmbedding(_Reversible, Int8Embedding):
    def build_reverse(self, layer, config):
        common.frozen_weight(layer, "reverse_embeddings",
                             (layer.output_dim, layer.input_dim), "int8")
        common.frozen_weight(layer, "reverse_embeddings_scale",
                             (layer.input_dim,), initializer="ones")

    def quantize_reverse(self, layer, config, table):
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, AbsMaxQuantizer(axis=0))
        values, scale = common.quantize_weight(layer, quantizer, table, (0,))
        return values, scale.squeeze(0)

    def reverse_logits(self, layer, x, inputs_scale, dtype):
        if layer.tie_weights:
            kernel = common.float_weight(layer, "embeddings").T
            scale = common.read(layer, "embeddings_scale")
        else:
            kernel = layer.reverse_embeddings
            scale = common.read(layer, "reverse_embeddings_scale")
        return _product(x, kernel).to(dtype) / (inputs_scale * scale)


@register_handler("int4", "reversible_embedding")
class Int4ReversibleEmbedding(_Reversible, Int4Embedding):
    def build_reverse(self, layer, config):
        block_size = common.block_size_for(layer, config)
        common.frozen_weight(
            layer, "reverse_embeddings",
            ((layer.output_dim + 1) // 2, layer.input_dim), "int8")
        shape = (layer.input_dim,) if block_size is None else (
            math.ceil(layer.output_dim / block_size), layer.input_dim)
        common.frozen_weight(layer, "reverse_embeddings_scale", shape,
                             initializer="ones")
        if block_size is not None:
            # Keras keeps this zero point in the variable dtype (float).
            common.frozen_weight(layer, "reverse_embeddings_zero", shape)

    def quantize_reverse(self, layer, config, table):
        block_size = common.block_size_for(layer, config)
        zero = None
        if block_size is None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, AbsMaxQuantizer(axis=0, value_range=(-8, 7)))
            values, scale = common.quantize_weight(
                layer, quantizer, table, (0,))
            scale = scale.squeeze(0)
        else:
            values, scale, zero = abs_max_quantize_grouped_with_zero_point(
                table, block_size=block_size, to_numpy=True)
        packed, _, _ = pack_int4(values, axis=0)
        return packed, scale, zero

    def reverse_logits(self, layer, x, inputs_scale, dtype):
        if layer.tie_weights:
            packed = common.float_weight(layer, "embeddings").T
            scale, zero = common.read(layer, "embeddings_scale"), getattr(
                layer, "embeddings_zero", None)
            if zero is not None:
                scale, zero = scale.T, zero.T
        else:
            packed = layer.reverse_embeddings
            scale = common.read(layer, "reverse_embeddings_scale")
            zero = getattr(layer, "reverse_embeddings_zero", None)
        unpacked = unpack_int4(packed, layer.output_dim, axis=0)
        if layer._int4_block_size is None:
            return _product(x, unpacked).to(dtype) / (inputs_scale * scale)
        table = dequantize_with_sz_map(unpacked.to(dtype), scale, zero,
                                       layer.g_idx, group_axis=0)
        return _product(x, table) / inputs_scale
