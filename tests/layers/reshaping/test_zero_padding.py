import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.reshaping.zero_padding import ZeroPadding1D
from lamina.layers.reshaping.zero_padding import ZeroPadding2D
from lamina.layers.reshaping.zero_padding import ZeroPadding3D

CF = {"data_format": "channels_first"}


@pytest.mark.parametrize("layer_cls,kwargs,input_shape,expected", [
    (ZeroPadding1D, {}, (2, 3, 4), (2, 5, 4)),
    (ZeroPadding1D, {"padding": (0, 2)}, (2, 3, 4), (2, 5, 4)),
    (ZeroPadding1D, {"padding": 2, **CF}, (2, 3, 4), (2, 3, 8)),
    (ZeroPadding2D, {}, (2, 3, 4, 2), (2, 5, 6, 2)),
    (ZeroPadding2D, {"padding": (1, 2)}, (2, 3, 4, 2), (2, 5, 8, 2)),
    (ZeroPadding2D, {"padding": ((1, 0), (0, 3))}, (2, 3, 4, 2),
     (2, 4, 7, 2)),
    (ZeroPadding2D, {"padding": ((2, 1), (1, 0)), **CF}, (2, 2, 3, 4),
     (2, 2, 6, 5)),
    (ZeroPadding3D, {}, (2, 2, 3, 4, 2), (2, 4, 5, 6, 2)),
    (ZeroPadding3D, {"padding": (1, 0, 2)}, (2, 2, 3, 4, 2),
     (2, 4, 3, 8, 2)),
    (ZeroPadding3D, {"padding": ((1, 0), 2, (0, 1)), **CF}, (2, 2, 3, 4, 2),
     (2, 2, 4, 8, 3)),
])
def test_zero_padding_harness_and_parity(keras_ref, layer_cls, kwargs,
                                         input_shape, expected):
    run_layer_test(
        layer_cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_zero_padding_values():
    x = torch.randn(2, 3, 4, 5)
    out = ZeroPadding2D(((1, 2), (3, 0)))(x)
    torch.testing.assert_close(out[:, 1:4, 3:, :], x)
    assert out.shape == (2, 6, 7, 5) and out.is_contiguous()
    border = out.clone()
    border[:, 1:4, 3:, :] = 0
    assert not border.any()


def test_zero_padding_symbolic_unknown_dims():
    out = ZeroPadding2D(1)(lamina.Input((None, 4, 3)))
    assert out.shape == (None, None, 6, 3)
    out = ZeroPadding1D((1, 2), data_format="channels_first")(
        lamina.Input((3, None)))
    assert out.shape == (None, 3, None)


@pytest.mark.parametrize("layer_cls,kwargs", [
    (ZeroPadding1D, {"padding": (1, 2)}),
    (ZeroPadding2D, {"padding": 2, **CF}),
    (ZeroPadding3D, {"padding": (1, (2, 0), 1)}),
])
def test_zero_padding_config_matches_keras(keras_ref, layer_cls, kwargs):
    ours = layer_cls(name="p", **kwargs).get_config()
    theirs = getattr(keras_ref.layers, layer_cls.__name__)(
        name="p", **kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize("layer_cls,padding", [
    (ZeroPadding1D, -1),
    (ZeroPadding1D, (1, 2, 3)),
    (ZeroPadding2D, (1, 2, 3)),
    (ZeroPadding2D, ((1, 2, 3), (1, 1))),
    (ZeroPadding2D, "same"),
    (ZeroPadding2D, -2),
    (ZeroPadding3D, ((1, 1), (1, 1))),
    (ZeroPadding3D, (1, 1, None)),
])
def test_invalid_padding_spec(layer_cls, padding):
    with pytest.raises(ValueError, match="Invalid value for argument "
                       f"`padding` of {layer_cls.__name__}") as info:
        layer_cls(padding=padding)
    assert f"padding={padding!r}" in str(info.value)


def test_zero_padding_invalid_data_format():
    with pytest.raises(ValueError, match="data_format"):
        ZeroPadding2D(data_format="channels_middle")
