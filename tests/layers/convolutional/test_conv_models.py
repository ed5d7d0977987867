"""Convolutional models end to end: parameter counts and outputs vs Keras."""

import importlib
import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina.layers.convolutional import Conv2D
from lamina.layers.convolutional import Convolution2D
from lamina.layers.convolutional import SeparableConv2D
from lamina.layers.pooling import GlobalAveragePooling2D
from lamina.layers.pooling import MaxPooling2D


def _import_or_skip(module, name):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{module}.{name} is not available yet")


def _seed_model(layers_module, flatten, dropout, dense):
    return [
        layers_module.Convolution2D(
            512, kernel_size=(3, 3), activation="relu", padding="same",
            input_shape=(28, 28, 1)),
        layers_module.MaxPooling2D((2, 2), strides=(2, 2)),
        flatten(), dense(10), dropout(0.5),
    ]


def test_seed_conv_model_parameter_count(keras_ref):
    flatten = _import_or_skip("lamina.layers.reshaping.flatten", "Flatten")
    dropout = _import_or_skip("lamina.layers.regularization.dropout",
                              "Dropout")

    class OurLayers:
        Convolution2D = Convolution2D
        MaxPooling2D = MaxPooling2D

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = lamina.Sequential(_seed_model(OurLayers, flatten, dropout,
                                             lamina.layers.Dense))
        k = keras_ref.layers
        theirs = keras_ref.Sequential(_seed_model(k, k.Flatten, k.Dropout,
                                                  k.Dense))
    assert ours.count_params() == theirs.count_params() == 1008650
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights]
    out = ours(np.zeros((2, 28, 28, 1), "float32"))
    assert tuple(out.shape) == (2, 10)


def _small_cnn(k):
    return [
        k.Input(shape=(12, 12, 3)),
        k.Conv2D(8, 3, activation="relu"),
        k.MaxPooling2D(),
        k.SeparableConv2D(6, 3, padding="same", depth_multiplier=2),
        k.Conv2D(4, 2, strides=2, padding="same"),
        k.GlobalAveragePooling2D(),
        k.Dense(3),
    ]


def test_small_cnn_matches_keras_with_copied_weights(keras_ref):
    class OurLayers:
        Input = lamina.Input
        Conv2D = Conv2D
        MaxPooling2D = MaxPooling2D
        SeparableConv2D = SeparableConv2D
        GlobalAveragePooling2D = GlobalAveragePooling2D
        Dense = lamina.layers.Dense

    ours = lamina.Sequential(_small_cnn(OurLayers))
    theirs = keras_ref.Sequential(_small_cnn(keras_ref.layers))
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).standard_normal((4, 12, 12, 3)).astype(
        "float32")
    np.testing.assert_allclose(
        ours(x).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    loss = ours(x).square().mean()
    loss.backward()
    assert all(w.grad is not None for w in ours.trainable_weights)


def test_channels_first_model_matches_channels_last():
    """The same weights give the same numbers in either data format."""
    def build(data_format):
        return lamina.Sequential([
            Conv2D(5, 3, padding="same", strides=2, data_format=data_format),
            MaxPooling2D(2, padding="same", data_format=data_format),
            GlobalAveragePooling2D(data_format=data_format),
        ])

    last, first = build("channels_last"), build("channels_first")
    x = torch.randn(2, 9, 9, 3)
    last(x)
    first(x.permute(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    torch.testing.assert_close(last(x), first(x.permute(0, 3, 1, 2)),
                               atol=1e-5, rtol=1e-5)
