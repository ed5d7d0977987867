"""Conv1D / Conv2D / Conv3D against Keras 3: shapes, values, configs."""

import inspect

import numpy as np
import pytest
import torch

import lamina
from harness import assert_keras_parity
from harness import run_layer_test
from lamina.layers.convolutional import base_conv
from lamina.layers.convolutional import conv1d
from lamina.layers.convolutional import conv2d
from lamina.layers.convolutional import conv3d
from lamina.layers.convolutional import Conv1D
from lamina.layers.convolutional import Conv2D
from lamina.layers.convolutional import Conv3D
from lamina.layers.convolutional import Convolution1D
from lamina.layers.convolutional import Convolution2D
from lamina.layers.convolutional import Convolution3D


def _config(layer):
    config = dict(layer.get_config())
    config.pop("name")
    return config


def check_against_keras(keras, cls, kwargs, input_shape):
    """Harness run with Keras's output shape, weight count, values and
    config as the reference."""
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    expected_shape = tuple(theirs.compute_output_shape(input_shape))
    theirs.build(input_shape)
    layer = run_layer_test(
        cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected_shape,
        expected_num_trainable_weights=len(theirs.trainable_weights),
        expected_num_non_trainable_weights=len(
            theirs.non_trainable_weights),
        keras_reference=keras,
    )
    assert _config(layer) == _config(theirs)
    return layer


def _shape(rank, data_format, size=7, channels=4):
    spatial = (size,) * rank if rank < 3 else (4, 5, 6)
    if data_format == "channels_last":
        return (2,) + spatial + (channels,)
    return (2, channels) + spatial


FORMATS = ["channels_last", "channels_first"]

CONV1D_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=3, kernel_size=2, padding="same"),
    dict(filters=3, kernel_size=3, padding="same", strides=2),
    dict(filters=3, kernel_size=2, padding="same", strides=2),
    dict(filters=3, kernel_size=3, padding="causal"),
    dict(filters=3, kernel_size=2, padding="causal", dilation_rate=2),
    dict(filters=3, kernel_size=3, padding="causal", strides=2),
    dict(filters=3, kernel_size=3, dilation_rate=2),
    dict(filters=4, kernel_size=3, groups=2, padding="same"),
    dict(filters=2, kernel_size=1, use_bias=False, activation="relu"),
]

CONV2D_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=3, kernel_size=3, padding="same", strides=2),
    dict(filters=3, kernel_size=2, padding="same"),
    dict(filters=3, kernel_size=2, padding="same", strides=2),
    dict(filters=3, kernel_size=(3, 2), strides=(2, 1)),
    dict(filters=3, kernel_size=3, padding="same", dilation_rate=2),
    dict(filters=3, kernel_size=2, dilation_rate=(2, 1)),
    dict(filters=4, kernel_size=3, groups=2),
    dict(filters=2, kernel_size=3, use_bias=False, activation="tanh"),
]

CONV3D_CASES = [
    dict(filters=2, kernel_size=3),
    dict(filters=2, kernel_size=2, padding="same", strides=2),
    dict(filters=2, kernel_size=(3, 2, 1), padding="same"),
    dict(filters=2, kernel_size=2, dilation_rate=2, padding="same"),
    dict(filters=4, kernel_size=2, groups=2, activation="relu"),
]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CONV1D_CASES, ids=str)
def test_conv1d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv1D, kwargs, _shape(1, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=str)
def test_conv2d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv2D, kwargs, _shape(2, data_format))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kwargs", CONV3D_CASES, ids=str)
def test_conv3d_matches_keras(keras_ref, kwargs, data_format):
    kwargs = dict(kwargs, data_format=data_format)
    check_against_keras(keras_ref, Conv3D, kwargs, _shape(3, data_format))


def test_initializers_regularizers_constraints(keras_ref):
    kwargs = dict(filters=3, kernel_size=2, kernel_initializer="he_normal",
                  bias_initializer="ones", kernel_regularizer="l2",
                  bias_regularizer="l1", activity_regularizer="l2",
                  kernel_constraint="max_norm", bias_constraint="non_neg")
    layer = check_against_keras(keras_ref, Conv2D, kwargs, (2, 5, 5, 2))
    layer(np.ones((2, 5, 5, 2), "float32"))
    assert len(layer.losses) == 3
    fresh = Conv2D(**kwargs)
    fresh.build((None, 5, 5, 2))
    assert torch.equal(fresh.bias.detach(), torch.ones(3))
    assert layer.kernel.constraint is not None


def test_weight_layouts_and_names():
    layer = Conv2D(5, (3, 2), groups=1)
    layer.build((None, 8, 8, 4))
    assert tuple(layer.kernel.shape) == (3, 2, 4, 5)
    assert list(layer.state_dict()) == ["kernel", "bias"]
    grouped = Conv1D(6, 3, groups=2)
    grouped.build((None, 10, 4))
    assert tuple(grouped.kernel.shape) == (3, 2, 6)
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel",
                                               f"{layer.name}/bias"]
    # Built by a direct `build` call: calling it does not build again.
    assert layer.built
    layer(np.zeros((1, 8, 8, 4), "float32"))
    assert list(layer.state_dict()) == ["kernel", "bias"]


def test_default_data_format_follows_config():
    lamina.config.set_image_data_format("channels_first")
    try:
        layer = Conv2D(3, 3)
        assert layer.data_format == "channels_first"
        assert layer(np.zeros((1, 2, 6, 6), "float32")).shape == (1, 3, 4, 4)
    finally:
        lamina.config.set_image_data_format("channels_last")
    assert Conv2D(3, 3).data_format == "channels_last"


def test_aliases_and_signatures_match_keras(keras_ref):
    assert Convolution1D is Conv1D
    assert Convolution2D is Conv2D
    assert Convolution3D is Conv3D
    for cls in (Conv1D, Conv2D, Conv3D):
        ours = inspect.signature(cls.__init__)
        theirs = inspect.signature(getattr(keras_ref.layers,
                                           cls.__name__).__init__)
        assert str(ours) == str(theirs)
    revived = lamina.layers.deserialize(
        {"class_name": "Convolution2D", "config": {"filters": 2,
                                                   "kernel_size": 3}})
    assert type(revived) is Conv2D
    assert conv1d.Conv1D is Conv1D and conv2d.Conv2D is Conv2D
    assert conv3d.Conv3D is Conv3D


@pytest.mark.usefixtures("on_cpu")  # views of CPU inputs, on the CPU
def test_channels_last_runs_without_copies(monkeypatch):
    """The data reaches torch as a view with channels_last memory and the
    result goes back to NHWC as a view: no layout copies."""
    seen = []
    original = base_conv.CONV_FUNCTIONS[2]

    def spy(x, weight, *args):
        seen.append((x, weight))
        return original(x, weight, *args)

    monkeypatch.setitem(base_conv.CONV_FUNCTIONS, 2, spy)
    layer = Conv2D(4, 3, padding="same")
    inputs = torch.randn(2, 8, 8, 3)
    outputs = layer(inputs)
    x, weight = seen[-1]
    assert x.data_ptr() == inputs.data_ptr()
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert weight.data_ptr() == layer.kernel.data_ptr()
    assert outputs.is_contiguous()
    seq = Conv1D(4, 3)
    seq_inputs = torch.randn(2, 9, 3)
    seq(seq_inputs)
    assert seen[-1][0].data_ptr() == seq_inputs.data_ptr()
    assert seen[-1][0].is_contiguous(memory_format=torch.channels_last)


def test_new_weights_take_effect_immediately():
    layer = Conv2D(2, 3, use_bias=False)
    x = torch.randn(1, 5, 5, 1)
    layer(x)
    layer.kernel.assign(np.ones((3, 3, 1, 2), "float32"))
    expected = torch.nn.functional.avg_pool2d(
        x.permute(0, 3, 1, 2), 3, 1) * 9
    np.testing.assert_allclose(layer(x)[..., 0].detach(), expected[:, 0]
                               .detach(), atol=1e-5)


def test_causal_conv_does_not_look_ahead():
    layer = Conv1D(1, 3, padding="causal", kernel_initializer="ones",
                   use_bias=False)
    x = torch.zeros(1, 6, 1)
    x[0, 4, 0] = 1.0
    out = layer(x)[0, :, 0].detach()
    assert out.tolist() == [0, 0, 0, 0, 1, 1]


def test_lora_matches_keras(keras_ref):
    kwargs = dict(filters=3, kernel_size=2, lora_rank=2, lora_alpha=4)
    x = np.random.default_rng(1).standard_normal((2, 5, 5, 2)).astype(
        "float32")
    theirs = keras_ref.layers.Conv2D(**kwargs)
    theirs.build(x.shape)
    rng = np.random.default_rng(2)
    for w in theirs.weights:
        w.assign(rng.standard_normal(tuple(w.shape)).astype("float32"))
    ours = Conv2D(**kwargs)
    ours(x)
    assert [w.path.split("/")[-1] for w in ours.weights] == [
        "kernel", "bias", "lora_kernel_a", "lora_kernel_b"]
    assert len(ours.trainable_weights) == 3
    # The frozen base kernel; `kernel` itself reads merged, as in Keras.
    assert [w.path for w in ours.non_trainable_weights] == ["conv2d/kernel"]
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    np.testing.assert_allclose(
        ours(x).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    assert _config(ours) == _config(theirs)


def test_keras_weights_copy_exactly(keras_ref):
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype(
        "float32")
    ours, theirs = assert_keras_parity(
        keras_ref, "Conv2D", {"filters": 4, "kernel_size": 3}, x,
        lamina_cls=Conv2D)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_symbolic_shapes_with_unknown_sizes():
    inputs = lamina.Input(shape=(None, None, 3))
    outputs = Conv2D(4, 3, strides=2, padding="same")(inputs)
    assert outputs.shape == (None, None, None, 4)
    seq = lamina.Input(shape=(None, 2))
    assert Conv1D(3, 5, padding="causal")(seq).shape == (None, None, 3)


def test_mixed_precision_policy_runs_in_bfloat16():
    layer = Conv2D(2, 3, dtype="mixed_bfloat16")
    out = layer(np.random.rand(1, 5, 5, 2).astype("float32"))
    assert out.dtype == torch.bfloat16
    assert layer.kernel.dtype == torch.float32


def test_default_names_match_keras(keras_ref):
    for cls in (Conv1D, Conv2D, Conv3D):
        assert cls(2, 2).name == getattr(keras_ref.layers,
                                         cls.__name__)(2, 2).name
