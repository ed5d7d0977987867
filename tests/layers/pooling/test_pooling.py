"""MaxPooling1D/2D/3D and AveragePooling1D/2D/3D against Keras 3."""

import inspect
import itertools

import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers import pooling
from lamina.layers.pooling import AveragePooling1D
from lamina.layers.pooling import AveragePooling2D
from lamina.layers.pooling import AveragePooling3D
from lamina.layers.pooling import MaxPooling1D
from lamina.layers.pooling import MaxPooling2D
from lamina.layers.pooling import MaxPooling3D

CLASSES = {
    ("max", 1): MaxPooling1D, ("max", 2): MaxPooling2D,
    ("max", 3): MaxPooling3D, ("average", 1): AveragePooling1D,
    ("average", 2): AveragePooling2D, ("average", 3): AveragePooling3D,
}
FORMATS = ["channels_last", "channels_first"]


def _config(layer):
    config = dict(layer.get_config())
    config.pop("name")
    return config


def _shape(rank, data_format, size, channels=3):
    spatial = (size,) * rank if rank < 3 else (size, size - 1, size + 1)
    if data_format == "channels_last":
        return (2,) + spatial + (channels,)
    return (2, channels) + spatial


def check_against_keras(keras, cls, kwargs, input_shape, values=True):
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    expected_shape = tuple(theirs.compute_output_shape(input_shape))
    layer = run_layer_test(
        cls, kwargs, input_shape=input_shape,
        expected_output_shape=expected_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        keras_reference=keras if values else None,
    )
    assert _config(layer) == _config(theirs)
    return layer


# (pool_size, strides, padding, size): every "same" case here has symmetric
# padding or a window of 2, where Keras's torch backend and the padding-free
# average agree.
CASES = [
    (2, None, "valid", 6),
    (3, 1, "valid", 6),
    (3, 2, "valid", 7),
    (2, 1, "same", 6),
    (2, 2, "same", 7),
    (3, 1, "same", 6),
    (3, 2, "same", 7),
]


# 3D skips the stride-1 windows of 3 (covered in 1D/2D) to stay fast.
GRID = [(rank,) + case for rank in (1, 2, 3) for case in CASES
        if not (rank == 3 and case[0] == 3 and case[1] == 1)]


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank,pool_size,strides,padding,size", GRID)
def test_pooling_matches_keras(keras_ref, rank, mode, data_format, pool_size,
                               strides, padding, size):
    kwargs = dict(pool_size=pool_size, strides=strides, padding=padding,
                  data_format=data_format)
    spatial = (size,) * rank
    shape = (2,) + spatial + (3,) if data_format == "channels_last" else \
        (2, 3) + spatial
    check_against_keras(keras_ref, CLASSES[(mode, rank)], kwargs, shape)


def _reference_pool(x, pool, strides, padding, mode):
    """NumPy pooling over the spatial axes of channels_first data, padding
    excluded from the max and the average (Keras's documented rule)."""
    spatial = x.shape[2:]
    ranges, windows = [], []
    for n, k, s in zip(spatial, pool, strides):
        if padding == "valid":
            starts = range(0, n - k + 1, s)
        else:
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            starts = range(-(total // 2), -(total // 2) + out * s, s)
        ranges.append(list(starts))
        windows.append(k)
    out = np.zeros(x.shape[:2] + tuple(len(r) for r in ranges), x.dtype)
    for index in itertools.product(*[range(len(r)) for r in ranges]):
        region = tuple(
            slice(max(r[i], 0), min(r[i] + k, n))
            for r, i, k, n in zip(ranges, index, windows, spatial)
        )
        window = x[(slice(None), slice(None)) + region]
        axes = tuple(range(2, x.ndim))
        value = window.max(axis=axes) if mode == "max" else window.mean(
            axis=axes)
        out[(slice(None), slice(None)) + index] = value
    return out


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank,pool_size,strides,size", [
    (1, 4, 1, 7), (1, 3, 2, 8), (2, (3, 4), (2, 1), 8), (2, 4, 3, 9),
    (3, 3, 2, 6),
])
@pytest.mark.parametrize("data_format", FORMATS)
def test_asymmetric_same_padding_is_excluded(rank, mode, pool_size, strides,
                                             size, data_format):
    """Where "same" padding is uneven, the extra pixel goes right/bottom and
    the padding never enters the max or the average."""
    cls = CLASSES[(mode, rank)]
    layer = cls(pool_size, strides, padding="same", data_format=data_format)
    x = np.random.default_rng(3).standard_normal(
        _shape(rank, data_format, size)).astype("float32")
    out = layer(x).detach().cpu().numpy()
    channels_first = x if data_format == "channels_first" else \
        np.moveaxis(x, -1, 1)
    pool = layer.pool_size
    expected = _reference_pool(channels_first, pool, layer.strides, "same",
                               mode)
    if data_format == "channels_last":
        expected = np.moveaxis(expected, 1, -1)
    assert out.shape == tuple(layer.compute_output_shape(x.shape))
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_asymmetric_max_pool_matches_keras(keras_ref):
    x = np.random.default_rng(4).standard_normal((2, 8, 9, 2)).astype(
        "float32")
    kwargs = dict(pool_size=(3, 4), strides=(2, 1), padding="same")
    theirs = keras_ref.layers.MaxPooling2D(**kwargs)(x)
    ours = MaxPooling2D(**kwargs)(x)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs))


def test_defaults_and_built_at_init(keras_ref):
    layer = MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2)
    assert layer.padding == "valid"
    assert layer.data_format == "channels_last"
    assert layer.built
    assert MaxPooling1D().pool_size == (2,)
    assert MaxPooling3D().strides == (2, 2, 2)
    assert AveragePooling2D((3, 2), strides=1).strides == (1, 1)
    assert _config(MaxPooling2D()) == _config(keras_ref.layers.MaxPooling2D())


def test_outputs_stay_channels_last_without_copies():
    x = torch.randn(2, 8, 8, 3)
    for layer in (MaxPooling2D(), AveragePooling2D(3, 2, padding="same"),
                  MaxPooling1D(3, padding="same")):
        data = x if layer._rank == 2 else x[:, 0]
        assert layer(data).is_contiguous()


def test_signatures_match_keras(keras_ref):
    for cls in CLASSES.values():
        ours = inspect.signature(cls.__init__)
        theirs = inspect.signature(getattr(keras_ref.layers,
                                           cls.__name__).__init__)
        if cls.__name__.startswith("Average"):
            # Keras 3 made pool_size required; Keras 2's default is kept.
            ours = ours.replace(parameters=[
                p.replace(default=inspect.Parameter.empty)
                if p.name == "pool_size" else p
                for p in ours.parameters.values()])
        assert str(ours) == str(theirs)


def test_aliases_resolve_to_the_layers():
    for short, long in [("MaxPool", "MaxPooling"), ("AvgPool",
                                                   "AveragePooling")]:
        for rank in (1, 2, 3):
            assert getattr(pooling, f"{short}{rank}D") is getattr(
                pooling, f"{long}{rank}D")
            revived = lamina.layers.deserialize(
                {"class_name": f"{short}{rank}D", "config": {}})
            assert type(revived) is getattr(pooling, f"{long}{rank}D")


def test_in_a_model_with_unknown_spatial_size():
    inputs = lamina.Input(shape=(None, None, 3))
    outputs = MaxPooling2D(3, strides=2, padding="same")(inputs)
    assert outputs.shape == (None, None, None, 3)
    valid = AveragePooling1D(2)(lamina.Input(shape=(9, 4)))
    assert valid.shape == (None, 4, 4)
