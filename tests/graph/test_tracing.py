"""Stand-in inputs of a symbolic trace live where the traced weights live.

On a CUDA machine, CPU stand-ins met CUDA weights: the fake run failed on
device propagation and the real fallback on a device mismatch. The `meta`
device plays the GPU's part here, with no GPU."""

import torch

from lamina import config
from lamina.graph import KerasTensor
from lamina.graph import trace_output_spec


def _recording(seen):
    def fn(x):
        seen.append(x.device)
        return x * 2
    return fn


def test_stand_ins_follow_the_default_device():
    seen = []
    with config.device("meta"):
        out = trace_output_spec(_recording(seen), (KerasTensor((None, 4)),), {})
    assert out.shape == (None, 4)
    assert seen and all(d.type == "meta" for d in seen), seen


class _Scale(torch.nn.Module):
    def __init__(self, device):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(4, device=device))
        self.seen = []

    def call(self, x):
        self.seen.append(x.device)
        return x * self.weight


def test_stand_ins_follow_the_weights_of_a_bound_module():
    module = _Scale("meta")
    with config.device("cpu"):
        out = trace_output_spec(module.call, (KerasTensor((2, 4)),), {})
    assert out.shape == (2, 4)
    assert module.seen and all(d.type == "meta" for d in module.seen)


def test_stand_ins_follow_a_concrete_tensor_beside_them():
    # An op on a symbolic tensor and a constant on another device than
    # the default one (a CUDA constant on a CPU-default machine).
    constant = torch.ones(4, device="meta")
    with config.device("cpu"):
        out = trace_output_spec(lambda x, c: x + c,
                                (KerasTensor((None, 4)), constant), {})
        assert out.shape == (None, 4)
        out = trace_output_spec(lambda x, c=None: x * c,
                                (KerasTensor((2, 4)),), {"c": constant})
        assert out.shape == (2, 4)
        # A 0-d CPU tensor mixes with any device and decides nothing.
        seen = []
        trace_output_spec(lambda x, s: _recording(seen)(x) * s,
                          (KerasTensor((2, 4)), torch.tensor(2.0)), {})
        assert seen and all(d.type == "cpu" for d in seen)
