import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.cropping import Cropping1D
from lamina.layers.reshaping.cropping import Cropping2D
from lamina.layers.reshaping.cropping import Cropping3D

CF = {"data_format": "channels_first"}


@pytest.mark.parametrize("layer_cls,kwargs,input_shape,expected", [
    (Cropping1D, {}, (2, 5, 3), (2, 3, 3)),
    (Cropping1D, {"cropping": 2}, (2, 5, 3), (2, 1, 3)),
    (Cropping1D, {"cropping": (0, 2)}, (2, 5, 3), (2, 3, 3)),
    (Cropping1D, {"cropping": (3, 0)}, (2, 5, 3), (2, 2, 3)),
    (Cropping2D, {}, (2, 5, 6, 3), (2, 5, 6, 3)),
    (Cropping2D, {"cropping": 1}, (2, 5, 6, 3), (2, 3, 4, 3)),
    (Cropping2D, {"cropping": (1, 2)}, (2, 5, 6, 3), (2, 3, 2, 3)),
    (Cropping2D, {"cropping": ((1, 0), (0, 2))}, (2, 5, 6, 3), (2, 4, 4, 3)),
    (Cropping2D, {"cropping": ((0, 2), (3, 0)), **CF}, (2, 3, 5, 6),
     (2, 3, 3, 3)),
    (Cropping2D, {"cropping": 1, **CF}, (2, 3, 5, 6), (2, 3, 3, 4)),
    (Cropping3D, {}, (2, 4, 5, 6, 3), (2, 2, 3, 4, 3)),
    (Cropping3D, {"cropping": (1, 0, 2)}, (2, 4, 5, 6, 3), (2, 2, 5, 2, 3)),
    (Cropping3D, {"cropping": ((1, 0), (0, 2), (2, 1))}, (2, 4, 5, 6, 3),
     (2, 3, 3, 3, 3)),
    (Cropping3D, {"cropping": ((0, 1), 1, (0, 0)), **CF}, (2, 3, 4, 5, 6),
     (2, 3, 3, 3, 6)),
])
def test_cropping_harness_and_parity(keras_ref, layer_cls, kwargs,
                                     input_shape, expected):
    run_layer_test(
        layer_cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


@pytest.mark.usefixtures("on_cpu")  # a view of a CPU input, on the CPU
def test_cropping_is_a_view_of_the_input():
    x = torch.randn(2, 6, 7, 3)
    out = Cropping2D(((1, 2), (3, 1)))(x)
    assert out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    torch.testing.assert_close(out, x[:, 1:4, 3:6, :])


def test_cropping_symbolic_unknown_dims():
    out = Cropping2D(1)(lamina.Input((None, 6, 3)))
    assert out.shape == (None, None, 4, 3)
    out = Cropping1D((1, 2))(lamina.Input((None, 4)))
    assert out.shape == (None, None, 4)
    out = Cropping3D(1, data_format="channels_first")(
        lamina.Input((2, None, 5, 6)))
    assert out.shape == (None, 2, None, 3, 4)


@pytest.mark.parametrize("layer_cls,kwargs", [
    (Cropping1D, {"cropping": 2}),
    (Cropping2D, {"cropping": ((1, 0), (2, 3))}),
    (Cropping2D, {"cropping": 3, **CF}),
    (Cropping3D, {"cropping": (1, 2, 0)}),
])
def test_cropping_config_matches_keras(keras_ref, layer_cls, kwargs):
    ours = layer_cls(name="c", **kwargs).get_config()
    theirs = getattr(keras_ref.layers, layer_cls.__name__)(
        name="c", **kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize("layer_cls,cropping", [
    (Cropping1D, -1),
    (Cropping1D, (1, -2)),
    (Cropping2D, -1),
    (Cropping2D, ((1, -1), (0, 0))),
    (Cropping3D, (1, 1, -3)),
])
def test_negative_cropping_is_rejected(layer_cls, cropping):
    with pytest.raises(ValueError, match=layer_cls.__name__) as info:
        layer_cls(cropping=cropping)
    assert f"cropping={cropping}" in str(info.value)


@pytest.mark.parametrize("layer_cls,cropping", [
    (Cropping1D, (1, 2, 3)),
    (Cropping2D, (1, 2, 3)),
    (Cropping2D, ((1, 2, 3), (0, 0))),
    (Cropping3D, ((1, 1), (1, 1))),
    (Cropping2D, "same"),
    (Cropping2D, 1.5),
])
def test_malformed_cropping_is_rejected(layer_cls, cropping):
    with pytest.raises(ValueError, match="Invalid value for argument "
                       f"`cropping` of {layer_cls.__name__}"):
        layer_cls(cropping=cropping)


@pytest.mark.parametrize("layer_cls,cropping,shape", [
    (Cropping1D, (2, 3), (2, 5, 3)),
    (Cropping2D, ((1, 1), (3, 3)), (2, 5, 6, 3)),
    (Cropping3D, ((0, 0), (0, 0), (4, 4)), (2, 4, 5, 6, 3)),
])
def test_cropping_larger_than_input(layer_cls, cropping, shape):
    layer = layer_cls(cropping=cropping, name="too_big")
    with pytest.raises(ValueError, match="too_big") as info:
        layer(np.zeros(shape, "float32"))
    assert f"inputs.shape={shape}" in str(info.value)
    with pytest.raises(ValueError, match="must be smaller"):
        layer_cls(cropping=cropping)(lamina.Input(shape[1:]))


def test_cropping_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=4"):
        Cropping2D(1)(np.zeros((2, 5, 3), "float32"))
