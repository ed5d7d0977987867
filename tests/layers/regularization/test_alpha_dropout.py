import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.regularization.alpha_dropout import AlphaDropout

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")

_SATURATION = -1.6732632423543772848170429916717 * \
    1.0507009873554804934193349852946


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.5}, {"rate": 0.0}, {"rate": 0.2, "seed": 3},
    {"rate": 0.2, "noise_shape": (None, 1, 4)},
])
def test_harness_and_inference_parity(keras_ref, kwargs):
    run_layer_test(
        AlphaDropout, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.3}, {"rate": 0.1, "seed": 4, "noise_shape": [None, 1, 5]},
])
def test_config_matches_keras(keras_ref, kwargs):
    assert AlphaDropout(name="a", **kwargs).get_config() == \
        keras_ref.layers.AlphaDropout(name="a", **kwargs).get_config()


@pytest.mark.parametrize("rate", [0.1, 0.4])
def test_keeps_zero_mean_unit_variance(rate):
    x = torch.randn(400, 400, generator=torch.Generator().manual_seed(0),
                    device="cpu").to(torch.get_default_device())
    out = AlphaDropout(rate, seed=2)(x, training=True)
    assert abs(out.mean().item()) < 0.02
    assert abs(out.var().item() - 1) < 0.03
    a = ((1 - rate) * (1 + rate * _SATURATION ** 2)) ** -0.5
    dropped_value = a * _SATURATION - a * _SATURATION * rate
    dropped = torch.isclose(out, torch.tensor(dropped_value)).float().mean()
    assert abs(dropped.item() - rate) < 0.01


def test_noise_shape_shares_the_mask():
    x = torch.randn(16, 10, 8)
    out = AlphaDropout(0.5, noise_shape=(None, 1, None), seed=0)(
        x, training=True)
    a = (0.5 * (1 + 0.5 * _SATURATION ** 2)) ** -0.5
    kept = ~torch.isclose(out, torch.tensor(a * _SATURATION * 0.5))
    assert torch.equal(kept, kept[:, :1].expand_as(kept))
    np.testing.assert_allclose(out[kept].cpu().numpy(),
                               (a * x - a * _SATURATION * 0.5)[kept].cpu().numpy(),
                               atol=1e-5, rtol=1e-5)


def test_inference_is_identity():
    x = torch.randn(3, 4)
    layer = AlphaDropout(0.5)
    assert layer(x) is x and layer(x, training=False) is x


def test_seed_reproducibility():
    x = torch.randn(16, 16)
    a, b = AlphaDropout(0.4, seed=1), AlphaDropout(0.4, seed=1)
    a1, a2 = a(x, training=True), a(x, training=True)
    assert torch.equal(a1, b(x, training=True))
    assert torch.equal(a2, b(x, training=True))
    assert not torch.equal(a1, a2)


@pytest.mark.parametrize("rate", [-0.1, 1.01, None])
def test_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match="`rate`.*Received: rate="):
        AlphaDropout(rate)


@pytest.mark.parametrize("noise_shape", ["2,3", (2, 0), (None, 1.5)])
def test_invalid_noise_shape_raises(noise_shape):
    with pytest.raises(ValueError, match="`noise_shape`"):
        AlphaDropout(0.5, noise_shape=noise_shape)


def test_noise_shape_of_wrong_rank_raises():
    with pytest.raises(ValueError, match="rank of the inputs"):
        AlphaDropout(0.5, noise_shape=(None, 1))(torch.zeros(2, 3, 4),
                                                  training=True)
