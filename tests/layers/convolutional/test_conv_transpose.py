"""Conv1DTranspose / Conv2DTranspose / Conv3DTranspose against Keras 3."""

import inspect
import itertools

import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.convolutional import Conv1DTranspose
from lamina.layers.convolutional import Conv2DTranspose
from lamina.layers.convolutional import Conv3DTranspose
from lamina.layers.convolutional import Convolution1DTranspose
from lamina.layers.convolutional import Convolution2DTranspose
from lamina.layers.convolutional import Convolution3DTranspose


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


def _shape(rank, data_format, size=5, channels=3):
    spatial = (size,) * rank if rank < 3 else (3, 4, 5)
    if data_format == "channels_last":
        return (2,) + spatial + (channels,)
    return (2, channels) + spatial


FORMATS = ["channels_last", "channels_first"]

CASES_1D = [
    dict(filters=2, kernel_size=3),
    dict(filters=2, kernel_size=3, strides=2, padding="same"),
    dict(filters=2, kernel_size=2, strides=2, padding="same"),
    dict(filters=2, kernel_size=3, strides=2, output_padding=1),
    dict(filters=2, kernel_size=1, strides=3, padding="same"),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
]

CASES_2D = [
    dict(filters=2, kernel_size=3),
    dict(filters=2, kernel_size=3, strides=2),
    dict(filters=2, kernel_size=3, strides=2, padding="same"),
    dict(filters=2, kernel_size=2, strides=2, padding="same"),
    dict(filters=2, kernel_size=4, strides=2, padding="same"),
    dict(filters=2, kernel_size=3, strides=2, padding="same",
         output_padding=1),
    dict(filters=2, kernel_size=3, strides=2, padding="same",
         output_padding=0),
    dict(filters=2, kernel_size=(2, 3), strides=(2, 1), output_padding=(1, 0)),
    dict(filters=2, kernel_size=3, dilation_rate=2),
    dict(filters=2, kernel_size=2, strides=3, use_bias=False,
         activation="relu"),
]

CASES_3D = [
    dict(filters=2, kernel_size=2),
    dict(filters=2, kernel_size=3, strides=2, padding="same"),
    dict(filters=2, kernel_size=2, strides=2, padding="same",
         output_padding=1),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES_1D, ids=str)
def test_conv1d_transpose_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv1DTranspose, kwargs,
                        _shape(1, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES_2D, ids=str)
def test_conv2d_transpose_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv2DTranspose, kwargs,
                        _shape(2, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CASES_3D, ids=str)
def test_conv3d_transpose_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv3DTranspose, kwargs,
                        _shape(3, data_format))


def test_output_shapes_match_keras_formula(keras_ref):
    """Every size/kernel/stride/padding/output_padding combination against
    Keras's own `compute_conv_transpose_output_shape`."""
    from keras.src.backend.common.backend_utils import (
        compute_conv_transpose_output_shape,
    )

    grid = itertools.product(
        [1, 4, 7], [1, 2, 3, 4], [1, 2, 3], ["valid", "same"],
        [None, 0, 1, 2])
    checked = 0
    for size, kernel, stride, padding, output_padding in grid:
        if output_padding is not None and output_padding >= stride:
            continue
        for dilation in ([1, 2] if stride == 1 else [1]):
            layer = Conv1DTranspose(
                3, kernel, strides=stride, padding=padding,
                output_padding=output_padding, dilation_rate=dilation)
            theirs = compute_conv_transpose_output_shape(
                (2, size, 5), (kernel,), 3, (stride,), padding,
                output_padding=None if output_padding is None
                else (output_padding,),
                dilation_rate=(dilation,))
            if theirs[1] <= 0:
                # Keras returns an empty tensor; we raise a clear error.
                with pytest.raises(ValueError, match="too small"):
                    layer(np.zeros((1, size, 2), "float32"))
                continue
            assert layer.compute_output_shape((2, size, 5)) == tuple(theirs)
            outputs = layer(np.zeros((1, size, 2), "float32"))
            assert tuple(outputs.shape)[1:] == tuple(theirs)[1:]
            checked += 1
    assert checked > 100


def test_same_stride_two_values_on_odd_kernel(keras_ref):
    """The case Keras fixed in 3.15 (off by one pixel on torch)."""
    x = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
    theirs = keras_ref.layers.Conv2DTranspose(1, 3, strides=2,
                                              padding="same")
    out_theirs = keras_ref.ops.convert_to_numpy(theirs(x))
    ours = Conv2DTranspose(1, 3, strides=2, padding="same")
    ours(x)
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    out = ours(x).detach().cpu().numpy()
    assert out.shape == (2, 8, 8, 1)
    np.testing.assert_allclose(out, out_theirs, atol=1e-5)


def test_kernel_layout_is_filters_then_inputs():
    layer = Conv2DTranspose(5, (3, 2))
    layer.build((None, 4, 4, 7))
    assert tuple(layer.kernel.shape) == (3, 2, 5, 7)
    assert tuple(layer.bias.shape) == (5,)


def test_aliases_and_signatures_match_keras(keras_ref):
    assert Convolution1DTranspose is Conv1DTranspose
    assert Convolution2DTranspose is Conv2DTranspose
    assert Convolution3DTranspose is Conv3DTranspose
    for cls in (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose):
        ours = inspect.signature(cls.__init__)
        theirs = inspect.signature(getattr(keras_ref.layers,
                                           cls.__name__).__init__)
        assert str(ours) == str(theirs)
