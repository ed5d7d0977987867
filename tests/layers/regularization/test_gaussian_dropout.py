import pytest
import torch

from harness import run_layer_test
from lamina.layers.regularization.gaussian_dropout import GaussianDropout

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.5}, {"rate": 0.0}, {"rate": 0.2, "seed": 3},
])
def test_harness_and_inference_parity(keras_ref, kwargs):
    run_layer_test(
        GaussianDropout, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_config_matches_keras(keras_ref):
    assert GaussianDropout(0.3, seed=2, name="g").get_config() == \
        keras_ref.layers.GaussianDropout(0.3, seed=2, name="g").get_config()


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_noise_statistics(rate):
    x = torch.full((300, 300), 3.0)
    factor = GaussianDropout(rate)(x, training=True) / x
    assert abs(factor.mean().item() - 1) < 0.02
    assert abs(factor.var().item() - rate / (1 - rate)) < 0.03


def test_inference_is_identity():
    x = torch.randn(3, 4)
    layer = GaussianDropout(0.5)
    assert layer(x) is x and layer(x, training=False) is x


def test_seed_reproducibility():
    x = torch.ones(16, 16)
    a, b = GaussianDropout(0.4, seed=1), GaussianDropout(0.4, seed=1)
    a1, a2 = a(x, training=True), a(x, training=True)
    assert torch.equal(a1, b(x, training=True))
    assert torch.equal(a2, b(x, training=True))
    assert not torch.equal(a1, a2)


@pytest.mark.parametrize("rate", [-0.5, 2, "high"])
def test_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match="`rate`.*Received: rate="):
        GaussianDropout(rate)


def test_rate_one_cannot_train():
    layer = GaussianDropout(1.0)
    x = torch.ones(2, 2)
    assert layer(x) is x
    with pytest.raises(ValueError, match="rate=1"):
        layer(x, training=True)
