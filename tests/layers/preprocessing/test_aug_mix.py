"""AugMix against Keras 3 (inference, config) and by its mixing rule."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def test_inference_and_config_match_keras(keras_compare, images):
    keras_compare("AugMix", {}, images, training=False)
    keras_compare("AugMix", {"num_chains": 2, "chain_depth": 1,
                             "factor": (0.1, 0.2), "alpha": 0.5,
                             "all_ops": False, "seed": 3},
                  images, training=False)


def test_mixing_rule():
    layer = preprocessing.AugMix(seed=0)
    x = torch.rand(6, 12, 12, 3) * 255
    drawn = layer.get_random_transformation(x)
    weights = drawn["chain_mixing_weights"]
    torch.testing.assert_close(weights.sum(), torch.tensor(1.0))
    assert 0 <= float(drawn["weight_sample"]) <= 1
    assert len(drawn["chains"]) == 3 and all(
        len(chain) == 3 for chain in drawn["chains"])
    # Chains that pick "none" everywhere leave the batch as it is.
    none = len(layer._augmenters)
    drawn["chains"] = [[none] * 3] * 3
    torch.testing.assert_close(layer.transform_images(x, drawn), x,
                               atol=1e-4, rtol=1e-5)


def test_training_changes_images_within_range():
    x = torch.rand(8, 16, 16, 3) * 255
    out = preprocessing.AugMix(seed=2)(x)
    assert out.shape == x.shape
    assert out.min() >= 0 and out.max() <= 255
    assert not torch.allclose(out, x)


def test_harness(keras_ref):
    run_layer_test(preprocessing.AugMix, {"seed": 1},
                   input_shape=(2, 8, 6, 3),
                   expected_output_shape=(2, 8, 6, 3),
                   run_training_check=False, keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_chains"):
        preprocessing.AugMix(num_chains=0)
    with pytest.raises(ValueError, match="alpha"):
        preprocessing.AugMix(alpha=0)
