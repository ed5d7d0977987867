"""Adaptive pooling layers against Keras 3 and torch."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina import layers

CASES = [
    ("AdaptiveAveragePooling1D", 3, (2, 7, 4), (2, 3, 4)),
    ("AdaptiveMaxPooling1D", (4,), (2, 9, 3), (2, 4, 3)),
    ("AdaptiveAveragePooling2D", (3, 2), (2, 7, 5, 3), (2, 3, 2, 3)),
    ("AdaptiveMaxPooling2D", 2, (2, 5, 6, 2), (2, 2, 2, 2)),
    ("AdaptiveAveragePooling3D", (2, 3, 1), (1, 5, 7, 3, 2),
     (1, 2, 3, 1, 2)),
    ("AdaptiveMaxPooling3D", 2, (1, 4, 5, 3, 2), (1, 2, 2, 2, 2)),
]


@pytest.mark.parametrize("name,size,shape,expected", CASES,
                         ids=[c[0] for c in CASES])
def test_harness_and_keras_parity(keras_ref, name, size, shape, expected):
    run_layer_test(getattr(layers, name), {"output_size": size},
                   input_shape=shape, expected_output_shape=expected,
                   expected_num_trainable_weights=0,
                   keras_reference=keras_ref)


@pytest.mark.parametrize("name,size,shape,expected", CASES[2:4],
                         ids=[c[0] for c in CASES[2:4]])
def test_channels_first_matches_keras(keras_ref, name, size, shape,
                                      expected):
    x = np.random.default_rng(0).standard_normal(
        (shape[0], shape[-1]) + shape[1:-1]).astype("float32")
    ours = getattr(layers, name)(size, data_format="channels_first")(x)
    theirs = getattr(keras_ref.layers, name)(
        size, data_format="channels_first")(x)
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-6)
    assert ours.shape == (expected[0], expected[-1]) + expected[1:-1]


def test_matches_torch_bins():
    x = torch.randn(2, 11, 13, 3)
    out = layers.AdaptiveAveragePooling2D((4, 5))(x)
    ref = torch.nn.functional.adaptive_avg_pool2d(
        x.permute(0, 3, 1, 2), (4, 5)).permute(0, 2, 3, 1)
    torch.testing.assert_close(out, ref)


def test_bad_output_size():
    with pytest.raises(ValueError, match="output_size.*2 positive ints"):
        layers.AdaptiveMaxPooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="output_size"):
        layers.AdaptiveAveragePooling1D(0)
