"""Pipeline against Keras 3."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers


def test_chains_layers_and_passes_training(keras_ref, images):
    ours = layers.Pipeline([layers.Rescaling(0.5),
                            layers.RandomInvert(factor=(1.0, 1.0)),
                            layers.AutoContrast()])
    theirs = keras_ref.layers.Pipeline([
        keras_ref.layers.Rescaling(0.5),
        keras_ref.layers.RandomInvert(factor=(1.0, 1.0)),
        keras_ref.layers.AutoContrast()])
    for training in (True, False):
        np.testing.assert_allclose(
            ours(images, training=training).detach().cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs(images, training=training)),
            atol=1e-3)
    assert [type(l).__name__ for l in ours.layers] == \
        ["Rescaling", "RandomInvert", "AutoContrast"]


def test_config_round_trip_and_keras_config():
    pipeline = layers.Pipeline([layers.RandomFlip(seed=1),
                                layers.Rescaling(2.0)], name="augment")
    config = pipeline.get_config()
    assert config["name"] == "augment"
    assert [c["class_name"] for c in config["layers"]] == \
        ["RandomFlip", "Rescaling"]
    clone = layers.Pipeline.from_config(config)
    assert clone.get_config() == config
    revived = lamina.saving.deserialize_keras_object(
        lamina.saving.serialize_keras_object(pipeline))
    assert type(revived) is layers.Pipeline
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"name": "x"})


def test_in_a_model_and_symbolic():
    inputs = lamina.Input((4, 4, 3))
    outputs = layers.Pipeline([layers.Rescaling(2.0),
                               layers.Rescaling(0.5)])(inputs)
    assert tuple(outputs.shape) == (None, 4, 4, 3)
    model = lamina.Model(inputs, outputs)
    x = torch.rand(2, 4, 4, 3)
    torch.testing.assert_close(model(x), x)


def test_harness():
    from harness import run_layer_test
    run_layer_test(layers.Pipeline,
                   {"layers": [layers.Rescaling(2.0), layers.CenterCrop(2, 3)]},
                   input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 2, 3, 3),
                   expected_num_trainable_weights=0)
