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
