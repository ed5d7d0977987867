"""Subclassed models: tracking of attributes, lists and dicts; build."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers


class Blocks(lamina.Model):
    def __init__(self):
        super().__init__(name="blocks")
        self.head = layers.Dense(4)
        self.stack = [layers.Dense(4), layers.Dense(4)]
        self.branches = {"left": layers.Dense(2), "right": layers.Dense(2)}

    def call(self, inputs, training=None, mask=None):
        x = self.head(inputs)
        for layer in self.stack:
            x = layer(x)
        return self.branches["left"](x) + self.branches["right"](x)


def test_tracks_attributes_lists_and_dicts():
    model = Blocks()
    out = model(np.ones((2, 3)))
    assert out.shape == (2, 2)
    assert len(model.layers) == 5
    assert len(model.trainable_weights) == 10
    assert "stack.1.kernel" in model.state_dict()
    assert "branches.left.bias" in model.state_dict()
    assert isinstance(model.stack[0], layers.Dense)
    assert len(list(model.parameters())) == 10


def test_build_with_input_shape_builds_sublayers():
    model = Blocks()
    model.build((None, 3))
    assert model.built and model.head.built and model.branches["right"].built
    assert model.count_params() == (3 * 4 + 4) + 2 * (4 * 4 + 4) + 2 * 10


def test_model_without_call_raises():
    class Empty(lamina.Model):
        pass

    with pytest.raises(NotImplementedError, match="does not define `call"):
        Empty()(torch.ones(1, 2))


def test_model_output_on_model_device_for_numpy_input():
    model = Blocks()
    out = model(np.ones((1, 3), dtype="float64"))
    assert out.device == model.head.kernel.device
    assert out.dtype == torch.float32


def test_torch_compile_and_state_dict_roundtrip():
    model = Blocks()
    x = torch.randn(3, 3)
    expected = model(x)
    clone = Blocks()
    clone(x)
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x), expected)


def test_call_with_two_inputs_builds_on_first_call():
    class TwoInputs(lamina.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, a, b):
            return self.d(a) + b

    model = TwoInputs()
    out = model(np.ones((2, 3), "float32"), np.ones((2, 2), "float32"))
    assert out.shape == (2, 2) and model.built and model.d.built


def test_layers_appended_to_an_empty_list_or_dict_are_tracked():
    class Grown(lamina.Model):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for _ in range(2):
                self.blocks.append(layers.Dense(3))
            self.heads = {}
            self.heads["out"] = layers.Dense(1)
            self.mixed = [layers.Dense(3), "relu"]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            x = self.mixed[0](x)
            return self.heads["out"](x)

    model = Grown()
    model(np.zeros((2, 4), "float32"))
    assert isinstance(model.blocks, list) and len(model.blocks) == 2
    assert len(model.weights) == 8 and len(list(model.parameters())) == 8
    assert "blocks.1.kernel" in model.state_dict()
    assert "heads.out.kernel" in model.state_dict()
    model.compile("sgd", "mse")
    before = model.blocks[0].kernel.detach().clone()
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"),
              verbose=0)
    assert not torch.equal(before, model.blocks[0].kernel.detach())
    model.blocks = [layers.Dense(2)]
    assert "blocks.1.kernel" not in model.state_dict()


def test_weight_paths_follow_keras_name_scopes(keras_ref):
    def build(lib):
        class Sub(lib.Model):
            def __init__(self):
                super().__init__(name="sub")
                self.d = lib.layers.Dense(2, name="d")
                self.inner = lib.Sequential([lib.layers.Dense(3, name="e")],
                                            name="inner")

            def call(self, x):
                return self.inner(self.d(x))

        model = Sub()
        model(np.ones((1, 4), "float32"))
        seq = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2, name="s")],
                             name="seq")
        return [w.path for w in model.weights + seq.weights]

    assert build(lamina) == build(keras_ref)
