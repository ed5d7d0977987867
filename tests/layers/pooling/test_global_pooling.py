"""GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D against Keras."""

import inspect

import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers import pooling
from lamina.layers.pooling import GlobalAveragePooling1D
from lamina.layers.pooling import GlobalMaxPooling1D

FORMATS = ["channels_last", "channels_first"]
NAMES = [f"Global{kind}Pooling{rank}D" for kind in ("Max", "Average")
         for rank in (1, 2, 3)]


def _config(layer):
    config = dict(layer.get_config())
    config.pop("name")
    return config


def _shape(rank, data_format, channels=3):
    spatial = (5, 4, 3)[:rank]
    if data_format == "channels_last":
        return (2,) + spatial + (channels,)
    return (2, channels) + spatial


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_global_pooling_matches_keras(keras_ref, name, data_format,
                                      keepdims):
    cls = getattr(pooling, name)
    kwargs = dict(data_format=data_format, keepdims=keepdims)
    input_shape = _shape(int(name[-2]), data_format)
    theirs = getattr(keras_ref.layers, name)(**kwargs)
    layer = run_layer_test(
        cls, kwargs, input_shape=input_shape,
        expected_output_shape=tuple(theirs.compute_output_shape(
            input_shape)),
        expected_num_trainable_weights=0, keras_reference=keras_ref,
        supports_masking=theirs.supports_masking,
    )
    assert _config(layer) == _config(theirs)
    assert layer.built


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", FORMATS)
def test_masked_average_matches_keras(keras_ref, data_format, keepdims):
    rng = np.random.default_rng(0)
    shape = (3, 5, 4) if data_format == "channels_last" else (3, 4, 5)
    x = rng.standard_normal(shape).astype("float32")
    mask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]],
                        dtype=torch.bool)
    kwargs = dict(data_format=data_format, keepdims=keepdims)
    theirs = keras_ref.layers.GlobalAveragePooling1D(**kwargs)(x, mask=mask)
    ours = GlobalAveragePooling1D(**kwargs)(x, mask=mask)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-6)
    assert getattr(ours, "_keras_mask", None) is None


def test_mask_attached_to_the_input_is_used():
    x = torch.tensor([[[1.0], [3.0], [100.0]]])
    x._keras_mask = torch.tensor([[True, True, False]])
    out = GlobalAveragePooling1D()(x)
    assert out.tolist() == [[2.0]]
    # Keras's GlobalMaxPooling1D does not use masks; neither does ours.
    assert GlobalMaxPooling1D()(x).tolist() == [[100.0]]


def test_aliases_signatures_and_symbolic_shapes(keras_ref):
    for name in NAMES:
        alias = name.replace("Pooling", "Pool").replace("Average", "Avg")
        assert getattr(pooling, alias) is getattr(pooling, name)
        ours = inspect.signature(getattr(pooling, name).__init__)
        theirs = inspect.signature(getattr(keras_ref.layers, name).__init__)
        assert str(ours) == str(theirs)
    inputs = lamina.Input(shape=(None, None, 6))
    assert pooling.GlobalAveragePooling2D()(inputs).shape == (None, 6)
    assert pooling.GlobalMaxPooling2D(keepdims=True)(inputs).shape == (
        None, 1, 1, 6)


def test_default_names_match_keras(keras_ref):
    for name in NAMES + ["MaxPooling2D", "AveragePooling3D"]:
        kwargs = {"pool_size": 2} if "Average" in name and "Global" not in \
            name else {}
        assert getattr(pooling, name)(**kwargs).name == getattr(
            keras_ref.layers, name)(**kwargs).name
