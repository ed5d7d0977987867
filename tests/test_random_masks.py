"""Hashed dropout masks (`lamina.random_masks`): statistics, Keras's seed
semantics, bit-exact application. (The same masks drawn in a compiled
step: tests/trainers/test_compiled_updates.py.)"""

import numpy as np
import pytest
import torch

import lamina
from lamina import random_masks
from lamina.random import SeedGenerator


def _kept(mask):
    assert mask.dtype == torch.int32
    assert set(torch.unique(mask).tolist()) <= {-1, 0}
    return (mask != 0).double()


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5, 0.9])
def test_keep_rate_is_one_minus_rate(rate):
    kept = _kept(random_masks.keep_mask((400, 500), rate, SeedGenerator(1)))
    # 200k draws: the standard error is at most 0.0011.
    assert abs(kept.mean().item() - (1 - rate)) < 0.005


def test_elements_and_draws_are_uncorrelated():
    seed = SeedGenerator(2)
    first = _kept(random_masks.keep_mask((256, 512), 0.5, seed)).flatten()
    second = _kept(random_masks.keep_mask((256, 512), 0.5, seed)).flatten()
    limit = 5 / np.sqrt(first.numel())  # five standard errors
    centred = first - first.mean()
    for lag in (1, 2, 15, 16, 17, 512):
        lagged = (centred[:-lag] * centred[lag:]).mean() / centred.var()
        assert abs(lagged.item()) < limit, lag
    across = np.corrcoef(first.cpu().numpy(), second.cpu().numpy())[0, 1]
    assert abs(across) < limit
    # Many short masks in a row: each position is kept half the time.
    rows = torch.stack([_kept(random_masks.keep_mask((64,), 0.5, seed))
                        for _ in range(2000)])
    assert rows.mean(0).sub(0.5).abs().max().item() < 5 * 0.5 / np.sqrt(2000)


def test_seed_semantics_follow_keras():
    # A seeded generator: a fixed sequence of different masks.
    a, b = SeedGenerator(7), SeedGenerator(7)
    first = [random_masks.keep_mask((32, 32), 0.5, a) for _ in range(3)]
    again = [random_masks.keep_mask((32, 32), 0.5, b) for _ in range(3)]
    for x, y in zip(first, again):
        assert torch.equal(x, y)
    assert not torch.equal(first[0], first[1])
    assert int(a.mask_draws) == 3
    other = random_masks.keep_mask((32, 32), 0.5, SeedGenerator(8))
    assert not torch.equal(other, again[0])
    # An int seed: the same mask on every call.
    assert torch.equal(random_masks.keep_mask((32, 32), 0.5, 3),
                       random_masks.keep_mask((32, 32), 0.5, 3))
    # No seed: torch's global RNG, which set_random_seed governs.
    lamina.utils.set_random_seed(4)
    x = random_masks.keep_mask((32, 32), 0.5, SeedGenerator())
    lamina.utils.set_random_seed(4)
    assert torch.equal(x, random_masks.keep_mask((32, 32), 0.5, None))
    assert not torch.equal(x, random_masks.keep_mask((32, 32), 0.5, None))


def test_bad_seed_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="seed.*Received: seed='a'"):
        random_masks.keep_mask((2,), 0.5, "a")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64,
                                   torch.bfloat16, torch.float16])
def test_applied_mask_scales_kept_and_zeroes_dropped(dtype):
    x = torch.randn(64, 48, dtype=torch.float64).to(dtype)
    x[0, :] = float("inf")
    x[1, :] = float("nan")
    x.requires_grad_(True)
    mask = random_masks.keep_mask((64, 48), 0.25, SeedGenerator(1))
    out = random_masks.apply_keep_mask(x, mask, 1 / 0.75)
    keep = mask != 0
    expected = torch.where(keep, x.detach() * (1 / 0.75),
                           torch.zeros_like(x))
    torch.testing.assert_close(out.detach(), expected, equal_nan=True)
    assert out.dtype == dtype
    assert torch.all(out[~keep] == 0)  # a dropped inf or NaN is 0 too
    out.sum().backward()
    torch.testing.assert_close(
        x.grad, torch.where(keep, 1 / 0.75, 0.0).to(dtype))


def test_noise_shape_broadcasts_one_draw():
    x = torch.ones(4, 30, 6)
    out = random_masks.dropout(x, 0.5, (4, 1, 6), seed=1)
    assert torch.equal(out, out[:, :1].expand_as(out))



def test_hashed_normals_are_standard_normal_and_seeded():
    seed = SeedGenerator(5)
    z = random_masks.normal((400, 500), seed)
    assert abs(z.mean().item()) < 0.01 and abs(z.std().item() - 1) < 0.01
    assert abs((z ** 4).mean().item() - 3) < 0.1  # normal kurtosis
    assert torch.isfinite(z).all()
    again = random_masks.normal((400, 500), SeedGenerator(5))
    assert torch.equal(z, again)
    assert not torch.equal(z, random_masks.normal((400, 500), seed))
    assert random_masks.normal((3,), 1, dtype=torch.float64).dtype == \
        torch.float64


def test_row_shards_are_rows_of_the_whole_batch_mask():
    # Under data parallelism each process holds some rows of the batch; its
    # masks are those rows of the mask the whole batch would get.
    whole = random_masks.keep_mask((7, 5), 0.4, seed=11)
    pieces = []
    try:
        for first, rows in ((0, 3), (3, 4)):
            random_masks.set_row_shard(first, rows, 7)
            pieces.append(random_masks.keep_mask((rows, 5), 0.4, seed=11))
        # A mask of another leading size (not batch rows) is left alone.
        other = random_masks.keep_mask((2, 5), 0.4, seed=11)
    finally:
        random_masks.clear_row_shard()
    assert torch.equal(torch.cat(pieces), whole)
    assert torch.equal(other, random_masks.keep_mask((2, 5), 0.4, seed=11))
