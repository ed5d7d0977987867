import numpy as np
import pytest
import torch

import lamina
from harness import random_input
from harness import run_layer_test
from lamina.layers.reshaping.up_sampling import UpSampling1D
from lamina.layers.reshaping.up_sampling import UpSampling2D
from lamina.layers.reshaping.up_sampling import UpSampling3D

CF = {"data_format": "channels_first"}


@pytest.mark.parametrize("layer_cls,kwargs,input_shape,expected", [
    (UpSampling1D, {}, (2, 3, 4), (2, 6, 4)),
    (UpSampling1D, {"size": 3}, (2, 3, 4), (2, 9, 4)),
    (UpSampling1D, {"size": 1}, (2, 3, 4), (2, 3, 4)),
    (UpSampling2D, {}, (2, 3, 4, 2), (2, 6, 8, 2)),
    (UpSampling2D, {"size": (1, 3)}, (2, 3, 4, 2), (2, 3, 12, 2)),
    (UpSampling2D, {"size": 3, **CF}, (2, 2, 3, 4), (2, 2, 9, 12)),
    (UpSampling3D, {}, (2, 2, 3, 1, 2), (2, 4, 6, 2, 2)),
    (UpSampling3D, {"size": (1, 2, 3)}, (2, 2, 3, 1, 2), (2, 2, 6, 3, 2)),
    (UpSampling3D, {"size": (2, 1, 3), **CF}, (2, 2, 3, 1, 2),
     (2, 2, 6, 1, 6)),
])
def test_up_sampling_harness_and_parity(keras_ref, layer_cls, kwargs,
                                        input_shape, expected):
    run_layer_test(
        layer_cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("data_format,size,input_shape,expected", [
    ("channels_last", (2, 2), (2, 3, 4, 3), (2, 6, 8, 3)),
    ("channels_last", (3, 2), (2, 4, 5, 3), (2, 12, 10, 3)),
    ("channels_first", (2, 3), (2, 3, 4, 5), (2, 3, 8, 15)),
])
def test_up_sampling2d_interpolation_parity(keras_ref, interpolation,
                                            data_format, size, input_shape,
                                            expected):
    # Keras's torch backend resizes with F.interpolate, half-pixel centres
    # (align_corners=False), no antialiasing.
    run_layer_test(
        UpSampling2D, {"size": size, "data_format": data_format,
                       "interpolation": interpolation},
        input_shape=input_shape, expected_output_shape=expected,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_up_sampling2d_integer_input_parity(keras_ref, interpolation):
    # Keras resizes integers in float32, rounds and casts back.
    out = run_layer_test(
        UpSampling2D, {"interpolation": interpolation},
        input_shape=(2, 3, 4, 2), input_dtype="int32",
        keras_reference=keras_ref,
    )
    assert out.compute_dtype == "float32"
    x = random_input((1, 3, 4, 2), "int32")
    assert UpSampling2D(interpolation=interpolation)(x).dtype == torch.int32


def _lanczos_reference(x, factors, axes, radius):
    """Separable Lanczos upsampling at half-pixel centres, normalized
    weights, written directly from the kernel's definition."""
    out = x.astype(np.float64)
    for axis, factor in zip(axes, factors):
        n = out.shape[axis]
        centres = (np.arange(n * factor) + 0.5) / factor - 0.5
        dist = np.abs(centres[:, None] - np.arange(n)[None, :])
        weights = np.sinc(dist) * np.sinc(dist / radius)
        weights[dist > radius] = 0.0
        weights /= weights.sum(axis=1, keepdims=True)
        moved = np.moveaxis(out, axis, 0)
        out = np.moveaxis(np.tensordot(weights, moved, axes=(1, 0)), 0, axis)
    return out


@pytest.mark.parametrize("interpolation,radius", [("lanczos3", 3.0),
                                                  ("lanczos5", 5.0)])
@pytest.mark.parametrize("data_format,size", [("channels_last", (2, 3)),
                                              ("channels_first", (3, 2))])
def test_up_sampling2d_lanczos(interpolation, radius, data_format, size):
    # Keras's JAX/NumPy backends accept lanczos; its torch backend does not.
    x = random_input((2, 4, 5, 3))
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    layer = UpSampling2D(size, data_format=data_format,
                         interpolation=interpolation)
    out = layer(x).cpu().numpy()
    np.testing.assert_allclose(
        out, _lanczos_reference(x, size, axes, radius), atol=1e-5)
    run_layer_test(UpSampling2D, {"size": size, "data_format": data_format,
                                  "interpolation": interpolation},
                   input_shape=(2, 4, 5, 3))


def test_up_sampling2d_area_is_repetition_for_integer_factors():
    x = random_input((2, 3, 4, 2))
    area = UpSampling2D((2, 3), interpolation="area")(x)
    nearest = UpSampling2D((2, 3))(x)
    torch.testing.assert_close(area, nearest)


def test_up_sampling_nearest_values_and_layout():
    x = torch.arange(6.0).reshape(1, 2, 3, 1)
    out = UpSampling2D((2, 1))(x)
    assert out[0, :, :, 0].tolist() == [[0, 1, 2], [0, 1, 2], [3, 4, 5],
                                        [3, 4, 5]]
    assert out.is_contiguous()
    # Channels-last bilinear runs on NCHW views in channels_last memory and
    # comes back as plain contiguous NHWC (no layout copies).
    smooth = UpSampling2D(interpolation="bilinear")(torch.randn(2, 3, 4, 5))
    assert smooth.is_contiguous()


def test_up_sampling_symbolic_unknown_dims():
    assert UpSampling1D(3)(lamina.Input((None, 4))).shape == (None, None, 4)
    out = UpSampling2D((2, 3))(lamina.Input((None, 4, 3)))
    assert out.shape == (None, None, 12, 3)
    out = UpSampling3D(2, data_format="channels_first")(
        lamina.Input((3, None, 2, 2)))
    assert out.shape == (None, 3, None, 4, 4)


@pytest.mark.parametrize("layer_cls,kwargs", [
    (UpSampling1D, {"size": 3}),
    (UpSampling2D, {"size": (2, 3), "interpolation": "Bilinear"}),
    (UpSampling2D, {"size": 2, **CF}),
    (UpSampling3D, {"size": (1, 2, 3), **CF}),
])
def test_up_sampling_config_matches_keras(keras_ref, layer_cls, kwargs):
    ours = layer_cls(name="u", **kwargs).get_config()
    theirs = getattr(keras_ref.layers, layer_cls.__name__)(
        name="u", **kwargs).get_config()
    assert ours == theirs


@pytest.mark.parametrize("interpolation", ["trilinear", "cubic", 3])
def test_invalid_interpolation(interpolation):
    with pytest.raises(ValueError, match="`interpolation` of UpSampling2D") \
            as info:
        UpSampling2D(interpolation=interpolation)
    assert f"interpolation={interpolation!r}" in str(info.value)
    assert "'bilinear'" in str(info.value)


@pytest.mark.parametrize("layer_cls,size", [
    (UpSampling1D, 0), (UpSampling1D, -2), (UpSampling2D, (2, 0)),
    (UpSampling3D, (1, 2)), (UpSampling2D, "2"),
])
def test_invalid_size(layer_cls, size):
    with pytest.raises(ValueError, match=f"`size` of {layer_cls.__name__}"):
        layer_cls(size=size)


def test_up_sampling1d_size_must_be_an_int():
    with pytest.raises(TypeError, match="UpSampling1D"):
        UpSampling1D(size=2.0)
