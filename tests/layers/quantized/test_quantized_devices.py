"""Quantized layers compute on the device their weights are on: `meta`
stands in for CUDA (a tensor made on the CPU in a call fails there)."""

import pytest
import torch

import lamina as keras
from lamina import quantizers


def _on_meta(layer, shape, mode, config=None):
    layer.build(shape)
    layer.quantize(mode, config=config)
    return layer.to("meta")


@pytest.mark.parametrize("mode, config", [
    ("int8", None),
    ("int8", quantizers.Int8QuantizationConfig(activation_quantizer=None)),
    ("int4", quantizers.Int4QuantizationConfig(block_size=None)),
    ("int4", quantizers.Int4QuantizationConfig(block_size=2)),
])
@pytest.mark.parametrize("tie_weights", [True, False])
def test_reversible_embedding_reverse_call_on_the_weights_device(
        mode, config, tie_weights):
    layer = _on_meta(keras.layers.ReversibleEmbedding(
        10, 4, tie_weights=tie_weights), (None,), mode, config)
    logits = layer(torch.zeros(2, 4, device="meta"), reverse=True)
    assert logits.device.type == "meta"
    assert tuple(logits.shape) == (2, 10)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
@pytest.mark.parametrize("make", [
    lambda: keras.layers.Dense(4),
    lambda: keras.layers.EinsumDense("ab,bc->ac", output_shape=4),
])
def test_dense_layers_forward_and_backward_on_the_weights_device(
        mode, make):
    layer = _on_meta(make(), (None, 8), mode)
    x = torch.zeros(2, 8, device="meta", requires_grad=True)
    outputs = layer(x, training=True)
    assert outputs.device.type == "meta"
    outputs.sum().backward()
    assert x.grad.device.type == "meta"
