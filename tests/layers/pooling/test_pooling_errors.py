"""Bad pooling arguments and inputs: errors name the layer and the value."""

import re

import numpy as np
import pytest

from lamina.layers.pooling import AveragePooling2D
from lamina.layers.pooling import GlobalAveragePooling2D
from lamina.layers.pooling import GlobalMaxPooling1D
from lamina.layers.pooling import MaxPooling1D
from lamina.layers.pooling import MaxPooling2D
from lamina.layers.pooling import MaxPooling3D


def _raises(*fragments):
    pattern = ".*".join(re.escape(f) for f in fragments)
    return pytest.raises(ValueError, match=f"(?s){pattern}")


@pytest.mark.parametrize("cls,kwargs,fragments", [
    (MaxPooling2D, dict(pool_size=0),
     ("`pool_size`", "MaxPooling2D layer 'bad'", "pool_size=0")),
    (MaxPooling2D, dict(pool_size=(2, 2, 2)),
     ("`pool_size`", "tuple of 2 ints", "pool_size=(2, 2, 2)")),
    (AveragePooling2D, dict(pool_size=2, strides=-1),
     ("`strides`", "AveragePooling2D layer 'bad'", "strides=-1")),
    (MaxPooling1D, dict(pool_size=2, strides=0),
     ("`strides`", "MaxPooling1D layer 'bad'", "strides=0")),
    (MaxPooling2D, dict(padding="full"),
     ("`padding`", "MaxPooling2D layer 'bad'", "padding='full'")),
    (MaxPooling1D, dict(padding="causal"),
     ("`padding`", "MaxPooling1D layer 'bad'", "padding='causal'")),
    (MaxPooling3D, dict(data_format="NDHWC"),
     ("`data_format`", "MaxPooling3D layer 'bad'", "data_format='NDHWC'")),
    (GlobalAveragePooling2D, dict(data_format="nchw"),
     ("`data_format`", "GlobalAveragePooling2D layer 'bad'",
      "data_format='nchw'")),
])
def test_invalid_arguments(cls, kwargs, fragments):
    with _raises(*fragments):
        cls(name="bad", **kwargs)


def test_window_larger_than_input():
    with _raises("MaxPooling2D layer 'big'", "input is too small",
                 "pool_size=(3, 3)", "(1, 2, 2, 1)"):
        MaxPooling2D(3, name="big")(np.zeros((1, 2, 2, 1), "float32"))
    with _raises("AveragePooling2D layer 'big2'", "(1, 5, 2, 1)"):
        AveragePooling2D(3, strides=1, name="big2")(
            np.zeros((1, 5, 2, 1), "float32"))


@pytest.mark.parametrize("layer,shape", [
    (MaxPooling2D(name="rank"), (2, 8, 8)),
    (MaxPooling1D(name="rank"), (2, 8, 8, 1)),
    (GlobalMaxPooling1D(name="rank"), (2, 8)),
    (GlobalAveragePooling2D(name="rank"), (2, 4, 4, 4, 1)),
])
def test_wrong_input_rank(layer, shape):
    with _raises('layer "rank"', f"found ndim={len(shape)}", str(shape)):
        layer(np.zeros(shape, "float32"))
