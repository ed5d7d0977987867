"""Inputs and keyword arguments follow the layer's device.

`meta` stands in for CUDA: a layer whose weights live there gets every
tensor argument there, whatever device the caller created it on.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import Layer


class Recorder(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = {}

    def call(self, inputs, mask=None, initial_state=None):
        self.seen = {"inputs": inputs, "mask": mask,
                     "initial_state": initial_state}
        return inputs


def _on_meta():
    with lamina.device("meta"):
        layer = Recorder()
    layer._device_for_inputs = lambda: torch.device("meta")
    return layer


def test_tensor_keyword_arguments_move_to_the_layer_device():
    layer = _on_meta()
    x = torch.ones(2, 3)
    layer(x, mask=torch.ones(2, dtype=torch.bool),
          initial_state=[torch.zeros(2, 4), np.zeros((2, 4), "float32")])
    assert layer.seen["inputs"].device.type == "meta"
    assert layer.seen["mask"].device.type == "meta"
    assert [s.device.type for s in layer.seen["initial_state"]] == \
        ["meta", "meta"]


def test_a_mask_carried_by_a_moved_input_moves_with_it():
    layer = _on_meta()
    x = torch.ones(2, 3)
    x._keras_mask = torch.tensor([True, False])
    layer(x)
    assert layer.seen["mask"] is not None
    assert layer.seen["mask"].device.type == "meta"


@pytest.mark.usefixtures("on_cpu")  # the layer and its mask on the CPU
def test_arguments_on_the_layer_device_are_passed_as_they_are():
    layer = Recorder()
    mask = torch.ones(2, dtype=torch.bool)
    layer(torch.ones(2, 3), mask=mask)
    assert layer.seen["mask"] is mask
