"""DepthwiseConv1D / DepthwiseConv2D against Keras 3."""

import inspect

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.convolutional import DepthwiseConv1D
from lamina.layers.convolutional import DepthwiseConv2D


def _config(layer):
    config = dict(layer.get_config())
    config.pop("name")
    return config


def check_against_keras(keras, cls, kwargs, input_shape):
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    expected_shape = tuple(theirs.compute_output_shape(input_shape))
    theirs.build(input_shape)
    layer = run_layer_test(
        cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected_shape,
        expected_num_trainable_weights=len(theirs.trainable_weights),
        keras_reference=keras,
    )
    assert _config(layer) == _config(theirs)
    return layer


def _shape(rank, data_format, size=7, channels=3):
    spatial = (size,) * rank
    if data_format == "channels_last":
        return (2,) + spatial + (channels,)
    return (2, channels) + spatial


FORMATS = ["channels_last", "channels_first"]

CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, depth_multiplier=2, padding="same"),
    dict(kernel_size=2, strides=2, padding="same"),
    dict(kernel_size=3, strides=2, depth_multiplier=2),
    dict(kernel_size=2, dilation_rate=2, padding="same"),
    dict(kernel_size=3, use_bias=False, activation="relu",
         depthwise_regularizer="l2", depthwise_constraint="unit_norm"),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_depthwise_conv1d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, DepthwiseConv1D, kwargs,
                        _shape(1, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_depthwise_conv2d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, DepthwiseConv2D, kwargs,
                        _shape(2, data_format))


def test_channels_are_not_mixed():
    """Output channel c * multiplier + m sees input channel c only."""
    layer = DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    layer.build((None, 3, 3, 2))
    layer.kernel.assign(np.array([[[[1.0, 2.0], [10.0, 20.0]]]], "float32"))
    x = torch.ones(1, 3, 3, 2)
    x[..., 1] = 3.0
    out = layer(x)[0, 0, 0].tolist()
    assert out == [1.0, 2.0, 30.0, 60.0]


def test_weight_layout():
    layer = DepthwiseConv2D((3, 2), depth_multiplier=4)
    layer.build((None, 8, 8, 5))
    assert tuple(layer.kernel.shape) == (3, 2, 5, 4)
    assert tuple(layer.bias.shape) == (20,)
    assert list(layer.state_dict()) == ["kernel", "bias"]


def test_signatures_match_keras(keras_ref):
    for cls in (DepthwiseConv1D, DepthwiseConv2D):
        ours = inspect.signature(cls.__init__)
        theirs = inspect.signature(getattr(keras_ref.layers,
                                           cls.__name__).__init__)
        assert str(ours) == str(theirs)
