"""Nothing is created on the CPU behind the inputs' back, checked without a
GPU: with the default device set to `meta`, weights and inputs live there,
and any tensor a `call` makes on the CPU (a mask, a noise draw, a zero
state made without `device=`) meets a meta tensor and fails ("Tensor on
device cpu is not on the expected device meta"), as it would meet a CUDA
tensor on a GPU machine. Meta tensors hold no values, so this costs no
compute; the values themselves are checked on the CPU elsewhere."""

import pytest
import torch

import lamina as keras
from lamina import config

L = keras.layers
META = "meta"

LAYERS = {
    "Dropout": (lambda: L.Dropout(0.5), (4, 8)),
    "GaussianNoise": (lambda: L.GaussianNoise(0.5), (4, 8)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.5), (4, 8)),
    "AlphaDropout": (lambda: L.AlphaDropout(0.5), (4, 8)),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.5), (4, 3, 8)),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.5), (2, 4, 4, 3)),
    "BatchNormalization": (lambda: L.BatchNormalization(), (4, 8)),
    "BatchNormalization(scale=False)": (
        lambda: L.BatchNormalization(scale=False), (4, 3, 8)),
    "BatchNormalization(renorm)": (
        lambda: L.BatchNormalization(renorm=True), (4, 8)),
    "LayerNormalization": (lambda: L.LayerNormalization(), (4, 8)),
    "GroupNormalization": (lambda: L.GroupNormalization(2), (4, 8)),
    "SimpleRNN(dropout)": (
        lambda: L.SimpleRNN(3, dropout=0.5, recurrent_dropout=0.5),
        (4, 5, 8)),
    "LSTM(dropout)": (lambda: L.LSTM(3, dropout=0.5), (4, 5, 8)),
    "LSTM(recurrent_dropout)": (
        lambda: L.LSTM(3, recurrent_dropout=0.5), (4, 5, 8)),
    "GRU": (lambda: L.GRU(3, return_sequences=True), (4, 5, 8)),
    "Bidirectional(LSTM)": (lambda: L.Bidirectional(L.LSTM(3)), (4, 5, 8)),
    "RNN(stacked cells)": (
        lambda: L.RNN([L.SimpleRNNCell(3), L.GRUCell(2)]), (4, 5, 8)),
    "ConvLSTM1D": (lambda: L.ConvLSTM1D(2, 3), (2, 3, 6, 4)),
    "Dense": (lambda: L.Dense(3), (4, 8)),
    "EinsumDense": (
        lambda: L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"),
        (4, 8)),
    "Conv2D": (lambda: L.Conv2D(2, 3), (2, 6, 6, 3)),
    "SpectralNormalization": (
        lambda: L.SpectralNormalization(L.Dense(3)), (4, 8)),
    "Masking": (lambda: L.Masking(), (4, 5, 8)),
    "ActivityRegularization": (lambda: L.ActivityRegularization(0.1), (4, 8)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers_create_nothing_on_the_cpu_in_training(name):
    make, shape = LAYERS[name]
    with config.device(META):
        layer = make()
        out = layer(torch.ones(*shape, device=META), training=True)
    for leaf in keras.utils.tree.flatten(out) if not isinstance(
            out, torch.Tensor) else [out]:
        assert leaf.device.type == META


def test_attention_and_embedding_create_nothing_on_the_cpu():
    with config.device(META):
        x = torch.ones(2, 3, 4, device=META)
        mask = torch.ones(2, 3, dtype=torch.bool, device=META)
        out = L.MultiHeadAttention(2, 4)(x, x, query_mask=mask,
                                         use_causal_mask=True)
        assert out.device.type == META
        ids = torch.zeros(2, 3, dtype=torch.long, device=META)
        assert L.Embedding(10, 3, mask_zero=True)(ids).device.type == META


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "AdamW"])
def test_optimizer_steps_create_nothing_on_the_cpu(name):
    with config.device(META):
        layer = L.Dense(3)
        layer(torch.ones(2, 4, device=META))
        optimizer = getattr(keras.optimizers, name)()
        grads = [torch.ones_like(w) for w in layer.trainable_weights]
        optimizer.apply_gradients(zip(grads, layer.trainable_weights))
    for slot in optimizer.variables:
        assert slot.device.type in (META, "cpu")  # host scalars stay put


def test_a_tensor_made_on_the_cpu_in_call_is_caught():
    class CpuNoise(L.Layer):
        def call(self, inputs):
            return inputs + torch.rand(inputs.shape)  # no `device=`

    with config.device(META):
        with pytest.raises(RuntimeError, match="device"):
            CpuNoise()(torch.ones(2, 3, device=META))


@pytest.mark.parametrize("mode", ["caffe", "torch", "tf"])
def test_imagenet_preprocessing_stays_on_the_inputs_device(mode):
    from lamina.applications import imagenet_utils

    x = torch.ones(1, 4, 4, 3, device=META)
    assert imagenet_utils.preprocess_input(x, mode=mode).device.type == META


PREPROCESSING = [
    ("RandomGrayscale", ()), ("RandomInvert", ()), ("Solarization", (0.5,)),
    ("RandomColorJitter", ()), ("RandomGaussianBlur", ()),
    ("RandomCrop", (4, 4)), ("RandomRotation", (0.2,)),
    ("RandomZoom", (0.2,)), ("RandomTranslation", (0.2, 0.2)),
    ("RandomErasing", ()), ("RandomBrightness", (0.2,)),
    ("RandomContrast", (0.5,)), ("RandomHue", (0.5,)), ("MixUp", ()),
    ("RandomFlip", ()), ("AutoContrast", ()), ("RandomSharpness", (0.5,)),
]


@pytest.mark.parametrize("name,args", PREPROCESSING,
                         ids=[name for name, _ in PREPROCESSING])
def test_image_augmentations_draw_on_the_images_device(name, args):
    with config.device(META):
        layer = getattr(L, name)(*args)
        out = layer(torch.ones(2, 8, 8, 3, device=META) * 100, training=True)
    assert out.device.type == META
