import pytest
import torch

from harness import run_layer_test
from lamina.layers.regularization.gaussian_noise import GaussianNoise

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.mark.parametrize("kwargs", [
    {"stddev": 0.5}, {"stddev": 0.0}, {"stddev": 1.0, "seed": 3},
])
def test_harness_and_inference_parity(keras_ref, kwargs):
    run_layer_test(
        GaussianNoise, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("kwargs", [{"stddev": 0.5}, {"stddev": 0.1,
                                                      "seed": 1}])
def test_config_matches_keras(keras_ref, kwargs):
    assert GaussianNoise(name="g", **kwargs).get_config() == \
        keras_ref.layers.GaussianNoise(name="g", **kwargs).get_config()


@pytest.mark.parametrize("seed", [None, 5])
def test_noise_statistics(seed):
    x = torch.full((300, 300), 2.0)
    noise = GaussianNoise(0.3, seed=seed)(x, training=True) - x
    assert abs(noise.mean().item()) < 0.01
    assert abs(noise.std().item() - 0.3) < 0.01


def test_inference_is_identity():
    x = torch.randn(3, 4)
    layer = GaussianNoise(0.5)
    assert layer(x) is x and layer(x, training=False) is x


def test_seed_reproducibility():
    x = torch.zeros(16, 16)
    a, b = GaussianNoise(0.5, seed=11), GaussianNoise(0.5, seed=11)
    a1, a2 = a(x, training=True), a(x, training=True)
    assert torch.equal(a1, b(x, training=True))
    assert torch.equal(a2, b(x, training=True))
    assert not torch.equal(a1, a2)
    assert not torch.equal(a1, GaussianNoise(0.5, seed=12)(x, training=True))


@pytest.mark.parametrize("stddev", [-0.1, 1.5, None])
def test_invalid_stddev_raises(stddev):
    with pytest.raises(ValueError, match="`stddev`.*Received: stddev="):
        GaussianNoise(stddev)
