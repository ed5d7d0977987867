"""Random draws of layers outside regularization/ and preprocessing/
under a row shard set by hand (as `lamina.distribution` sets one per
batch): a shard's draws are its rows of the whole batch's. (Noise and
dropout layers: tests/layers/regularization/test_row_shards.py; image
augmentation: tests/layers/preprocessing/test_row_shard_draws.py.)"""

import pytest
import torch

import lamina
from lamina import layers

from harness import under_row_shard

TOTAL = 5
SHARDS = [(0, 2), (2, 3)]


def _sharded(call, first, rows):
    return under_row_shard(call, first, rows, TOTAL)


def _attention(seed):
    layer = layers.Attention(dropout=0.5, seed=seed)  # bernoulli_ draws
    return lambda x: layer([x, x], training=True)


def _lstm(seed):
    # Hashed masks (random_masks.keep_mask), right before this change too.
    layer = layers.LSTM(3, dropout=0.5, recurrent_dropout=0.5, seed=seed)
    return lambda x: layer(x, training=True)


@pytest.mark.parametrize("make", [_attention, _lstm],
                         ids=["attention", "lstm"])
def test_a_shard_draws_its_rows_of_the_whole_batch_draw(make):
    x = torch.randn(TOTAL, 4, 3, generator=torch.Generator().manual_seed(0))
    lamina.utils.set_random_seed(0)  # the LSTM's initial weights
    whole = make(1)(x)
    for first, rows in SHARDS:
        lamina.utils.set_random_seed(0)
        call = make(1)
        piece = _sharded(lambda: call(x[first:first + rows]), first, rows)
        torch.testing.assert_close(piece, whole[first:first + rows])
