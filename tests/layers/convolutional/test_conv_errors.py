"""Bad arguments and inputs: each error names the layer and the value."""

import re

import numpy as np
import pytest

from lamina.layers.convolutional import Conv1D
from lamina.layers.convolutional import Conv1DTranspose
from lamina.layers.convolutional import Conv2D
from lamina.layers.convolutional import Conv2DTranspose
from lamina.layers.convolutional import Conv3D
from lamina.layers.convolutional import DepthwiseConv2D
from lamina.layers.convolutional import SeparableConv1D
from lamina.layers.convolutional import SeparableConv2D


def _raises(*fragments):
    pattern = ".*".join(re.escape(f) for f in fragments)
    return pytest.raises(ValueError, match=f"(?s){pattern}")


@pytest.mark.parametrize("cls,kwargs,fragments", [
    (Conv2D, dict(filters=2, kernel_size=3, padding="full"),
     ("`padding`", "Conv2D layer 'bad'", "'valid', 'same'", "'full'")),
    (Conv2D, dict(filters=2, kernel_size=3, padding="causal"),
     ("`padding`", "Conv2D layer 'bad'", "padding='causal'")),
    (Conv1DTranspose, dict(filters=2, kernel_size=3, padding="causal"),
     ("`padding`", "Conv1DTranspose layer 'bad'", "padding='causal'")),
    (Conv2D, dict(filters=2, kernel_size=3, data_format="channels_middle"),
     ("`data_format`", "Conv2D layer 'bad'",
      "data_format='channels_middle'")),
    (Conv2D, dict(filters=2, kernel_size=3, strides=0),
     ("`strides`", "Conv2D layer 'bad'", "strides=0")),
    (Conv2D, dict(filters=2, kernel_size=3, strides=(1, -2)),
     ("`strides`", "Conv2D layer 'bad'", "strides=(1, -2)")),
    (Conv2D, dict(filters=0, kernel_size=3),
     ("`filters`", "Conv2D layer 'bad'", "filters=0")),
    (Conv1D, dict(filters=-4, kernel_size=3),
     ("`filters`", "Conv1D layer 'bad'", "filters=-4")),
    (Conv2D, dict(filters=2.5, kernel_size=3),
     ("`filters`", "Conv2D layer 'bad'", "filters=2.5")),
    (Conv2D, dict(filters=5, kernel_size=3, groups=2),
     ("Conv2D layer 'bad'", "groups=2", "filters=5")),
    (Conv2D, dict(filters=4, kernel_size=3, groups=0),
     ("`groups`", "Conv2D layer 'bad'", "groups=0")),
    (Conv2D, dict(filters=2, kernel_size=3, strides=2, dilation_rate=2),
     ("Conv2D layer 'bad'", "strides=(2, 2)", "dilation_rate=(2, 2)")),
    (Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2,
                           dilation_rate=2),
     ("Conv2DTranspose layer 'bad'", "strides=(2, 2)",
      "dilation_rate=(2, 2)")),
    (Conv2D, dict(filters=2, kernel_size=(3, 3, 3)),
     ("`kernel_size`", "Conv2D layer 'bad'", "tuple of 2 ints",
      "kernel_size=(3, 3, 3)")),
    (Conv3D, dict(filters=2, kernel_size=(3, 0, 3)),
     ("`kernel_size`", "Conv3D layer 'bad'", "kernel_size=(3, 0, 3)")),
    (Conv2D, dict(filters=2, kernel_size="3"),
     ("`kernel_size`", "Conv2D layer 'bad'", "kernel_size='3'")),
    (Conv2D, dict(filters=2, kernel_size=3, dilation_rate=(1,)),
     ("`dilation_rate`", "Conv2D layer 'bad'", "dilation_rate=(1,)")),
    (Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2,
                           output_padding=2),
     ("Conv2DTranspose layer 'bad'", "output_padding=(2, 2)",
      "strides=(2, 2)")),
    (Conv2DTranspose, dict(filters=2, kernel_size=3, output_padding=-1),
     ("`output_padding`", "Conv2DTranspose layer 'bad'",
      "output_padding=-1")),
    (DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=0),
     ("`depth_multiplier`", "DepthwiseConv2D layer 'bad'",
      "depth_multiplier=0")),
    (SeparableConv2D, dict(filters=0, kernel_size=3),
     ("`filters`", "SeparableConv2D layer 'bad'", "filters=0")),
    (SeparableConv1D, dict(filters=2, kernel_size=3, padding="causal"),
     ("`padding`", "SeparableConv1D layer 'bad'", "padding='causal'")),
])
def test_invalid_arguments(cls, kwargs, fragments):
    with _raises(*fragments):
        cls(name="bad", **kwargs)


def test_kernel_larger_than_input():
    layer = Conv2D(2, 5, name="small")
    with _raises("Conv2D layer 'small'", "input is too small",
                 "kernel_size=(5, 5)", "(1, 3, 3, 1)"):
        layer(np.zeros((1, 3, 3, 1), "float32"))


def test_input_too_small_on_a_later_call():
    layer = Conv2D(2, 3, name="later")
    layer(np.zeros((1, 5, 5, 1), "float32"))
    with _raises("Conv2D layer 'later'", "input is too small",
                 "(1, 2, 5, 1)"):
        layer(np.zeros((1, 2, 5, 1), "float32"))


def test_dilated_kernel_larger_than_input():
    layer = Conv1D(2, 3, dilation_rate=3, name="dilated")
    with _raises("Conv1D layer 'dilated'", "dilation_rate=(3,)",
                 "(2, 6, 1)"):
        layer(np.zeros((2, 6, 1), "float32"))


def test_kernel_too_large_in_symbolic_call():
    import lamina

    inputs = lamina.Input(shape=(4, 4, 3))
    with _raises("DepthwiseConv2D layer 'dw'", "input is too small",
                 "(None, 4, 4, 3)"):
        DepthwiseConv2D(5, name="dw")(inputs)


def test_wrong_input_rank():
    layer = Conv2D(2, 3, name="needs_4d")
    with _raises('layer "needs_4d"', "expected ndim=4", "found ndim=3",
                 "(2, 8, 8)"):
        layer(np.zeros((2, 8, 8), "float32"))
    with _raises('layer "needs_4d"', "expected ndim=4", "found ndim=5"):
        layer(np.zeros((2, 8, 8, 8, 1), "float32"))


def test_groups_not_dividing_input_channels():
    layer = Conv2D(4, 3, groups=2, name="grouped")
    with _raises("Conv2D layer 'grouped'", "groups=2",
                 "input channels=3"):
        layer(np.zeros((1, 5, 5, 3), "float32"))


def test_channel_count_change_after_build():
    layer = Conv1D(2, 3, name="fixed")
    layer(np.zeros((1, 5, 3), "float32"))
    with _raises('layer "fixed"', "axis -1", "value 3", "(1, 5, 4)"):
        layer(np.zeros((1, 5, 4), "float32"))


def test_undefined_channels():
    import lamina

    inputs = lamina.Input(shape=(5, None))
    with _raises("Conv1D layer 'nochan'", "channel dimension",
                 "(None, 5, None)"):
        Conv1D(2, 3, name="nochan")(inputs)


def test_lora_cannot_be_enabled_twice_or_with_constraint():
    layer = Conv2D(2, 2, name="lora", lora_rank=1)
    layer.build((None, 4, 4, 1))
    with _raises("Conv2D layer 'lora'", "already enabled"):
        layer.enable_lora(1)
    constrained = Conv2D(2, 2, name="cons", kernel_constraint="non_neg")
    constrained.build((None, 4, 4, 1))
    with _raises("Conv2D layer 'cons'", "kernel_constraint"):
        constrained.enable_lora(1)
