"""Noise and dropout layers under data parallelism: with a row shard set
(as `lamina.distribution` sets one per batch), a layer's draws for its
rows are those rows of the draws one process makes for the whole batch,
and its generator ends where that process's does."""

import pytest
import torch

from lamina import layers
from lamina import random_masks

from harness import under_row_shard

TOTAL = 7
# The last: an empty shard (a batch with fewer rows than processes).
SHARDS = [(0, 3), (3, 4), (3, 0)]

LAYERS = {
    "gaussian_noise": (lambda: layers.GaussianNoise(0.5, seed=1), (5,)),
    "gaussian_dropout": (lambda: layers.GaussianDropout(0.4, seed=1), (5,)),
    "gaussian_noise_unseeded": (lambda: layers.GaussianNoise(0.5), (5,)),
    "alpha_dropout": (lambda: layers.AlphaDropout(0.4, seed=1), (5,)),
    "alpha_dropout_noise_shape": (
        lambda: layers.AlphaDropout(0.4, noise_shape=(None, 1, 3), seed=1),
        (4, 3)),
    "spatial_dropout_1d": (lambda: layers.SpatialDropout1D(0.5, seed=1),
                           (6, 4)),
    "spatial_dropout_2d_first": (
        lambda: layers.SpatialDropout2D(0.5, "channels_first", seed=1),
        (4, 3, 3)),
    "dropout_noise_shape": (
        lambda: layers.Dropout(0.5, noise_shape=(None, 1, 3), seed=1),
        (4, 3)),
}


def _sharded(call, first, rows, total=TOTAL):
    return under_row_shard(call, first, rows, total)


def _inputs(features):
    generator = torch.Generator().manual_seed(0)
    return torch.randn(TOTAL, *features, generator=generator)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_shard_draws_its_rows_of_the_whole_batch_draw(name):
    make, features = LAYERS[name]
    x = _inputs(features)
    torch.manual_seed(5)  # the unseeded layer's stream
    whole_layer = make()
    whole = whole_layer(x, training=True)
    after = whole_layer(x, training=True)
    for first, rows in SHARDS:
        torch.manual_seed(5)
        layer = make()  # each process's copy, seeded alike
        piece = _sharded(lambda: layer(x[first:first + rows], training=True),
                         first, rows)
        torch.testing.assert_close(piece, whole[first:first + rows],
                                   rtol=0, atol=0)
        torch.testing.assert_close(layer(x, training=True), after,
                                   rtol=0, atol=0)


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5, noise_shape=(1, None), seed=4),
    lambda: layers.AlphaDropout(0.5, noise_shape=(1, None), seed=4),
], ids=["dropout", "alpha_dropout"])
def test_a_mask_shared_by_all_rows_is_one_for_every_shard(make):
    # noise_shape (1, ...): one draw for the whole batch, so every
    # process's shard gets it, a one-row shard included.
    x = torch.ones(3, 64)
    whole = make()(x, training=True)
    for first, rows in [(0, 2), (2, 1)]:
        piece = _sharded(lambda: make()(x[first:first + rows],
                                        training=True), first, rows, 3)
        torch.testing.assert_close(piece, whole[first:first + rows],
                                   rtol=0, atol=0)


def test_hashed_normals_of_a_shard_are_its_rows_of_the_whole_batch():
    # The compiled steps' GaussianNoise/GaussianDropout draw these.
    whole = random_masks.normal((TOTAL, 6), seed=9)
    for first, rows in SHARDS:
        piece = _sharded(lambda: random_masks.normal((rows, 6), seed=9),
                         first, rows)
        assert torch.equal(piece, whole[first:first + rows])


def test_random_dropout_shares_a_noise_shape_of_one_in_front():
    # keras.random.dropout with noise_shape (1, ...) on 8 rows: one mask
    # for all rows, every process the same, even where the pass also
    # read a batch that gave this process a 1-row shard (a 2-row last
    # batch, read ahead with steps_per_execution).
    from lamina import random

    x = torch.ones(8, 32)
    whole = random.dropout(x, 0.5, noise_shape=(1, 32), seed=3)
    random_masks.set_row_shard(8, 8, 16)
    random_masks.set_row_shard(1, 1, 2)
    try:
        piece = random.dropout(x, 0.5, noise_shape=(1, 32), seed=3)
        rows = random.dropout(x[:1], 0.5, seed=3)  # along the 1-row shard
    finally:
        random_masks.clear_row_shard()
    assert torch.equal(piece, whole)
    assert torch.equal(rows, random.dropout(torch.ones(2, 32), 0.5,
                                            seed=3)[1:])
