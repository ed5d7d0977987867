"""keras.layers.Wrapper: the base of layer wrappers, as in Keras 3."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers


@lamina.saving.register_keras_serializable(package="test_wrapper")
class Twice(layers.Wrapper):
    def call(self, inputs):
        return self.layer(self.layer(inputs))


def test_builds_serializes_and_trains_the_inner_layer(keras_ref):
    wrapper = Twice(layers.Dense(4))
    x = torch.randn(2, 4)
    out = wrapper(x)
    assert wrapper.layer.built and len(wrapper.trainable_weights) == 2
    out.sum().backward()
    assert wrapper.layer.kernel.grad is not None
    config = wrapper.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = Twice.from_config(config)
    clone(x)
    clone.set_weights(wrapper.get_weights())
    torch.testing.assert_close(clone(x), wrapper(x))
    # Keras's Wrapper writes the same config keys.
    theirs = keras_ref.layers.Wrapper(keras_ref.layers.Dense(4)).get_config()
    assert set(theirs) == set(config)


def test_rejects_non_layers():
    with pytest.raises(ValueError, match="supported layer type"):
        layers.Wrapper(torch.nn.Linear(2, 2))
