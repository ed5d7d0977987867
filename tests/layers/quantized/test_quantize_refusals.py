"""What `quantize` refuses, and that a refusal leaves the layer (or
model) as it was."""

import pytest

import lamina
from lamina import quantizers


def test_model_quantize_refuses_an_unbuilt_model():
    # Keras 3.15.1 names the model, even when no layer could be quantized.
    for model in (lamina.Sequential([lamina.layers.Dense(2)], name="s1"),
                  lamina.Sequential([lamina.layers.Dropout(0.1)], name="s2")):
        with pytest.raises(ValueError, match=f"Layer '{model.name}' .* is "
                                             "not built yet"):
            model.quantize("int8")


@pytest.mark.parametrize("make, shape, mode, config", [
    (lambda: lamina.layers.Dense(4), (None, 6), "int8",
     quantizers.Int8QuantizationConfig(
         weight_quantizer=quantizers.AbsMaxQuantizer())),
    (lambda: lamina.layers.Embedding(6, 4), (None,), "int8",
     quantizers.Int8QuantizationConfig(
         weight_quantizer=quantizers.AbsMaxQuantizer(axis=0))),
    (lambda: lamina.layers.ReversibleEmbedding(6, 4, tie_weights=False),
     (None,), "int8", quantizers.Int8QuantizationConfig(
         weight_quantizer=quantizers.AbsMaxQuantizer(axis=0))),
    (lambda: lamina.layers.Dense(4), (None, 6), "int4",
     quantizers.Int4QuantizationConfig(
         weight_quantizer=quantizers.AbsMaxQuantizer(
             axis=-1, value_range=(-8, 7)), block_size=None)),
])
def test_a_weight_quantizer_on_the_wrong_axis_leaves_the_layer_float(
        make, shape, mode, config):
    # Keras fails assigning the scales, its float weight already gone.
    layer = make()
    layer.build(shape)
    before = [(w.path, w.dtype, tuple(w.shape)) for w in layer.weights]
    with pytest.raises(ValueError, match=f"Layer '{layer.name}': its weight "
                                         "quantizer must reduce axis"):
        layer.quantize(mode, config=config)
    assert [(w.path, w.dtype, tuple(w.shape))
            for w in layer.weights] == before
    assert layer.quantization_mode is None
    assert layer.quantization_config is None
