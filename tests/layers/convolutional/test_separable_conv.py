"""SeparableConv1D / SeparableConv2D against Keras 3."""

import inspect

import pytest

from harness import run_layer_test
from lamina.layers.convolutional import SeparableConv1D
from lamina.layers.convolutional import SeparableConv2D
from lamina.layers.convolutional import SeparableConvolution1D
from lamina.layers.convolutional import SeparableConvolution2D


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
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, depth_multiplier=2, padding="same"),
    dict(filters=2, kernel_size=2, strides=2, padding="same"),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=2, kernel_size=3, use_bias=False, activation="relu",
         pointwise_regularizer="l1", pointwise_initializer="he_uniform"),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_separable_conv1d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, SeparableConv1D, kwargs,
                        _shape(1, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_separable_conv2d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, SeparableConv2D, kwargs,
                        _shape(2, data_format))


def test_weight_layouts_and_order():
    layer = SeparableConv2D(6, 3, depth_multiplier=2)
    layer.build((None, 8, 8, 5))
    assert [tuple(w.shape) for w in layer.weights] == [
        (3, 3, 5, 2), (1, 1, 10, 6), (6,)]
    assert list(layer.state_dict()) == ["depthwise_kernel",
                                        "pointwise_kernel", "bias"]


def test_aliases_and_signatures_match_keras(keras_ref):
    assert SeparableConvolution1D is SeparableConv1D
    assert SeparableConvolution2D is SeparableConv2D
    for cls in (SeparableConv1D, SeparableConv2D):
        ours = inspect.signature(cls.__init__)
        theirs = inspect.signature(getattr(keras_ref.layers,
                                           cls.__name__).__init__)
        assert str(ours) == str(theirs)
