"""Arguments Lamina cannot honour raise a clear error naming them; none is
accepted and silently ignored."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers


@pytest.mark.parametrize("make", [
    lambda: layers.Dense(2, quantization_config={"mode": "int8"}),
    lambda: layers.EinsumDense("ab,bc->ac", 2,
                               quantization_config={"mode": "int8"}),
    lambda: layers.Embedding(4, 2, quantization_config={"mode": "int8"}),
])
def test_quantization_config_is_refused(make):
    with pytest.raises(ValueError, match="quantization_config"):
        make()


def test_default_quantization_arguments_still_work():
    layers.Dense(2, quantization_config=None)
    layers.EinsumDense("ab,bc->ac", 2, quantization_config=None,
                       gptq_unpacked_column_size=None)


class _Owner(layers.Layer):
    def __init__(self, options, **kwargs):
        super().__init__(**kwargs)
        self.options = options

    def build(self, input_shape):
        self.w = self.add_weight(shape=(2,), name="w", **self.options)


def test_add_weight_keeps_aggregation_on_the_weight():
    layer = _Owner({"aggregation": "mean", "autocast": False})
    layer.build((None, 2))
    assert layer.w.aggregation == "mean"
    assert layer.w.autocast is False
    with pytest.raises(ValueError, match="aggregation.*Received: "
                                         "aggregation='max'"):
        _Owner({"aggregation": "max"}).build((None, 2))


def test_add_weight_autocast_and_overwrite_with_gradient_work():
    # autocast=False under mixed precision: kept on the weight, which stays
    # float32 (Lamina never casts a weight when reading it).
    layer = _Owner({"autocast": False}, dtype="mixed_float16")
    layer.build((None, 2))
    assert layer.w.autocast is False and str(layer.w.dtype) == "torch.float32"

    # overwrite_with_gradient: the optimizer assigns the gradient itself.
    class Scaled(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(2,), initializer="ones",
                                         overwrite_with_gradient=True)

        def call(self, inputs):
            return inputs * self.scale

    model = keras.Sequential([keras.Input((2,)), Scaled()])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = np.array([[1.0, 2.0]], "float32")
    y = np.zeros((1, 2), "float32")
    model.fit(x, y, epochs=1, verbose=0)
    # d/dscale mean((x * scale)^2) = x^2 * scale (scale = 1 before the step)
    np.testing.assert_allclose(model.layers[0].scale.detach().cpu().numpy(),
                               x[0] ** 2,
                               rtol=1e-6)


@pytest.mark.parametrize("argument", ["sparse", "ragged"])
def test_input_refuses_sparse_and_ragged(argument):
    with pytest.raises(ValueError, match=f"{argument}=True"):
        keras.Input((3,), **{argument: True}) if argument == "sparse" else \
            layers.InputLayer(shape=(3,), ragged=True)
