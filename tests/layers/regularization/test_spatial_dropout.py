import pytest
import torch

from harness import run_layer_test
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.regularization.spatial_dropout import SpatialDropout1D
from lamina.layers.regularization.spatial_dropout import SpatialDropout2D
from lamina.layers.regularization.spatial_dropout import SpatialDropout3D

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")

CASES = [
    (SpatialDropout1D, {"rate": 0.5}, (2, 3, 4)),
    (SpatialDropout1D, {"rate": 0.0, "seed": 1}, (2, 3, 4)),
    (SpatialDropout2D, {"rate": 0.5}, (2, 3, 4, 5)),
    (SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"},
     (2, 3, 4, 5)),
    (SpatialDropout3D, {"rate": 0.5, "seed": 3}, (2, 3, 4, 5, 2)),
    (SpatialDropout3D, {"rate": 1.0, "data_format": "channels_first"},
     (2, 3, 4, 5, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_harness_and_inference_parity(keras_ref, cls, kwargs, shape):
    layer = run_layer_test(
        cls, kwargs, input_shape=shape, expected_output_shape=shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )
    assert isinstance(layer, Dropout)


@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_config_matches_keras(keras_ref, cls, kwargs, shape):
    ours = cls(name="sd", **kwargs).get_config()
    theirs = getattr(keras_ref.layers, cls.__name__)(name="sd", **kwargs)
    assert ours == theirs.get_config()


@pytest.mark.parametrize("cls,kwargs,shape,channel_axis", [
    (SpatialDropout1D, {}, (40, 30, 50), -1),
    (SpatialDropout2D, {}, (40, 6, 5, 50), -1),
    (SpatialDropout2D, {"data_format": "channels_first"}, (40, 50, 6, 5), 1),
    (SpatialDropout3D, {}, (40, 3, 3, 3, 50), -1),
    (SpatialDropout3D, {"data_format": "channels_first"}, (40, 50, 3, 3, 3),
     1),
])
def test_whole_channels_are_dropped(cls, kwargs, shape, channel_axis):
    rate = 0.4
    out = cls(rate, **kwargs)(torch.ones(shape), training=True)
    moved = out.movedim(channel_axis, 1).reshape(shape[0],
                                                 shape[channel_axis], -1)
    # Each (example, channel) map is entirely 0 or entirely 1 / (1 - rate).
    first = moved[..., :1]
    assert torch.equal(moved, first.expand_as(moved))
    kept = first[first != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - rate)))
    dropped = (first == 0).float().mean().item()
    assert abs(dropped - rate) < 0.06


def test_inference_is_identity():
    x = torch.randn(2, 4, 4, 3)
    layer = SpatialDropout2D(0.5)
    assert layer(x) is x and layer(x, training=False) is x


def test_seed_reproducibility():
    x = torch.ones(8, 3, 16)
    a, b = SpatialDropout1D(0.5, seed=7), SpatialDropout1D(0.5, seed=7)
    a1, a2 = a(x, training=True), a(x, training=True)
    assert torch.equal(a1, b(x, training=True))
    assert torch.equal(a2, b(x, training=True))
    assert not torch.equal(a1, a2)


def test_non_finite_dropped_channels_become_zero():
    x = torch.full((64, 2, 2, 4), float("inf"))
    out = SpatialDropout2D(0.5, seed=0)(x, training=True)
    assert not torch.isnan(out).any()
    assert (out == 0).any()


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5"])
def test_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match="`rate`"):
        SpatialDropout2D(rate)


@pytest.mark.parametrize("cls,shape", [
    (SpatialDropout1D, (2, 3)), (SpatialDropout2D, (2, 3, 4)),
    (SpatialDropout3D, (2, 3, 4, 5)),
])
def test_wrong_input_rank_raises(cls, shape):
    with pytest.raises(ValueError, match=f"expected ndim={len(shape) + 1}"):
        cls(0.5)(torch.zeros(shape))


def test_invalid_data_format_raises():
    with pytest.raises(ValueError, match="data_format"):
        SpatialDropout2D(0.5, data_format="channels_middle")
