"""RandAugment against Keras 3 (inference, config) and by its parts."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing


def test_inference_and_config_match_keras(keras_compare, images):
    keras_compare("RandAugment", {}, images, training=False)
    keras_compare("RandAugment", {"num_ops": 3, "factor": (0.1, 0.4),
                                  "interpolation": "nearest", "seed": 2},
                  images, training=False)
    keras_compare("RandAugment", {"num_ops": 0}, images)


def test_every_augmentation_runs_batched():
    layer = preprocessing.RandAugment(factor=0.5, seed=0)
    x = torch.rand(16, 12, 10, 3) * 255
    for index in range(11):
        out = layer.transform_images(
            x, {"layer_idxes": torch.tensor([index])})
        assert out.shape == x.shape and out.dtype == torch.float32
        assert out.min() >= -1e-3 and out.max() <= 255 + 1e-3, index
    ordered = [type(l).__name__ for l in layer._augmenters]
    assert ordered == [
        "RandomShear", "RandomTranslation", "RandomRotation",
        "RandomBrightness", "RandomColorDegeneration", "RandomContrast",
        "RandomSharpness", "RandomPosterization", "Solarization",
        "AutoContrast", "Equalization"]


def test_picks_are_uniform_and_training_changes_images():
    layer = preprocessing.RandAugment(num_ops=2, seed=1)
    picks = torch.cat([layer.get_random_transformation(
        torch.zeros(1, 2, 2, 3))["layer_idxes"] for _ in range(2200)])
    counts = torch.bincount(picks, minlength=11).float() / len(picks)
    assert (counts - 1 / 11).abs().max() < 0.02
    x = torch.rand(8, 16, 16, 3) * 255
    assert not torch.equal(preprocessing.RandAugment(seed=3)(x), x)


def test_harness(keras_ref):
    run_layer_test(preprocessing.RandAugment, {"seed": 1},
                   input_shape=(2, 8, 6, 3),
                   expected_output_shape=(2, 8, 6, 3),
                   run_training_check=False, keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_ops"):
        preprocessing.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="factor"):
        preprocessing.RandAugment(factor=2.0)
