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


# --- The sampling functions: Keras's signatures, dtypes, seeds, statistics.

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamina import random  # noqa: E402

N = 20000


def test_int_seeds_repeat_and_seed_generators_advance():
    for draw in [
        lambda s: random.normal((5,), seed=s),
        lambda s: random.randint((5,), 0, 100, seed=s),
        lambda s: random.gamma((5,), 2.0, seed=s),
        lambda s: random.beta((5,), 2.0, 3.0, seed=s),
        lambda s: random.binomial((5,), 10, 0.5, seed=s),
        lambda s: random.shuffle(torch.arange(10), seed=s),
        lambda s: random.categorical(torch.zeros(2, 50), 5, seed=s),
        lambda s: random.dropout(torch.ones(20), 0.5, seed=s),
    ]:
        torch.testing.assert_close(draw(3), draw(3))
        generator = SeedGenerator(3)
        first, second = draw(generator), draw(generator)
        assert not torch.equal(first, second)
        torch.testing.assert_close(first, draw(SeedGenerator(3)))


def test_gamma_leaves_the_global_stream_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    random.gamma((4,), 1.5, seed=SeedGenerator(1))
    torch.testing.assert_close(torch.rand(3), expected)


def test_dtypes_match_keras_defaults():
    assert random.randint((2,), 0, 3).dtype == torch.int32
    assert random.categorical(torch.zeros(1, 3), 2).dtype == torch.int32
    assert random.gamma((2,), 1.0).dtype == torch.float32
    assert random.binomial((2,), 3, 0.5).dtype == torch.float32
    assert random.beta((2,), 1.0, 1.0, dtype="float64").dtype == torch.float64
    assert random.randint((2,), 0, 3, dtype="int64").dtype == torch.int64


def test_sample_statistics():
    g = random.gamma((N,), 3.0, seed=0)
    assert abs(g.mean().item() - 3.0) < 0.1
    assert abs(g.var().item() - 3.0) < 0.2
    b = random.beta((N,), 2.0, 5.0, seed=0)
    assert abs(b.mean().item() - 2 / 7) < 0.01
    assert b.min() >= 0 and b.max() <= 1
    n = random.binomial((N,), 10, 0.3, seed=0)
    assert abs(n.mean().item() - 3.0) < 0.05
    assert abs(n.var().item() - 2.1) < 0.1
    r = random.randint((N,), 2, 7, seed=0)
    assert set(r.unique().tolist()) == {2, 3, 4, 5, 6}
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.7]]))
    c = random.categorical(logits, N, seed=0)
    assert c.shape == (1, N)
    freq = torch.bincount(c[0].long(), minlength=3).float() / N
    torch.testing.assert_close(freq, torch.tensor([0.1, 0.2, 0.7]),
                               atol=0.015, rtol=0)


def test_dropout_scales_kept_entries_and_honours_noise_shape():
    x = torch.ones(200, 50)
    y = random.dropout(x, 0.25, seed=0)
    kept = y != 0
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.75))
    assert abs(kept.float().mean().item() - 0.75) < 0.02
    shared = random.dropout(x, 0.5, noise_shape=(None, 1), seed=0)
    assert ((shared == 0).all(1) | (shared != 0).all(1)).all()
    with pytest.raises(ValueError, match="rate"):
        random.dropout(x, 1.5)


def test_shuffle_permutes_along_an_axis():
    x = torch.arange(24).reshape(4, 6)
    y = random.shuffle(x, axis=1, seed=1)
    torch.testing.assert_close(y.sort(1).values, x)
    assert not torch.equal(y, x)


def test_statistics_agree_with_keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ours = random.gamma((N,), 0.5, seed=1).cpu().numpy()
    theirs = np.asarray(keras.random.gamma((N,), 0.5, seed=1).cpu())
    assert abs(ours.mean() - theirs.mean()) < 0.03
    assert abs(np.median(ours) - np.median(theirs)) < 0.03


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="x")
    with pytest.raises(ValueError, match="dtype"):
        random.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match="logits"):
        random.categorical(torch.zeros(3), 2)
    with pytest.raises(ValueError, match="seed"):
        SeedGenerator(1.5)
