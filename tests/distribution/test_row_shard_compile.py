"""Row shards inside `torch.compile` (`jit_compile=True` steps): the
shard is Python state the traced draws read, so a compiled call must
follow the shard set before it (Dynamo guards on it), not one baked in
at tracing, and must not retrace at every step."""

import pytest
import torch

from lamina import layers
from lamina import random_masks

SHARDS = [(0, 4, 8), (4, 4, 8)]  # two processes' halves of 8 rows


def _compiled(layer, graphs):
    def backend(graph_module, example_inputs):
        graphs.append(graph_module)
        return graph_module.forward

    return torch.compile(lambda x: layer(x, training=True), backend=backend)


def _sharded(call, shard):
    random_masks.set_row_shard(*shard)
    try:
        return call()
    finally:
        random_masks.clear_row_shard()


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5, seed=3),
    lambda: layers.GaussianNoise(1.0, seed=3),  # hashed normals compiled
], ids=["dropout", "gaussian_noise"])
def test_a_compiled_draw_follows_the_shard_set_between_calls(make):
    torch._dynamo.reset()
    graphs = []
    sharded = _compiled(make(), graphs)
    whole = _compiled(make(), [])  # one process's layer, in step
    counts = []
    for step in range(8):
        shard = SHARDS[step % 2]
        first, rows, _ = shard
        piece = _sharded(lambda: sharded(torch.ones(rows, 6)), shard)
        expected = whole(torch.ones(8, 6))[first:first + rows]
        assert torch.equal(piece, expected), (step, shard)
        counts.append(len(graphs))
    # A graph per shard at most (the values may become graph inputs),
    # then none: no retracing per step.
    assert counts[-1] <= 3 and counts[3] == counts[-1], counts


def test_a_seeded_dropouts_sharded_masks_are_the_same_compiled_or_not():
    torch._dynamo.reset()
    eager_layer, compiled_layer = (layers.Dropout(0.5, seed=5),
                                   layers.Dropout(0.5, seed=5))
    compiled = _compiled(compiled_layer, [])
    for shard in SHARDS + [(2, 0, 3)]:  # an empty shard too
        x = torch.ones(shard[1], 6)
        eager = _sharded(lambda: eager_layer(x, training=True), shard)
        assert torch.equal(_sharded(lambda: compiled(x), shard), eager)
