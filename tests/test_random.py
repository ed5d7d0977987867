"""`SeedGenerator` across devices: each device keeps its own stream."""

import torch

from lamina.random import SeedGenerator


def test_a_device_round_trip_continues_the_stream(monkeypatch):
    made = []
    real = torch.Generator

    def generator_on(device="cpu"):
        # No second device here: a CPU generator stands in for CUDA's.
        made.append(torch.device(device))
        return real()

    seed = SeedGenerator(7)
    cpu_generator = seed.generator("cpu")
    first = torch.rand(4, generator=cpu_generator)
    monkeypatch.setattr(torch, "Generator", generator_on)
    on_gpu = torch.rand(4, generator=seed.generator("cuda:0"))
    second = torch.rand(4, generator=seed.generator("cpu"))
    monkeypatch.undo()
    assert made == [torch.device("cuda:0")]
    assert seed.generator("cpu") is cpu_generator
    # The CUDA stream starts from the seed, as on a model built there; the
    # CPU stream goes on where it was, rather than repeating its draws.
    torch.testing.assert_close(on_gpu, first)
    assert not torch.equal(second, first)
    fresh = SeedGenerator(7).generator("cpu")
    torch.rand(4, generator=fresh)
    torch.testing.assert_close(second, torch.rand(4, generator=fresh))


def test_no_seed_uses_the_global_generator():
    assert SeedGenerator().generator("cpu") is None
