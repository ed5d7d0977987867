"""Random image layers under data parallelism: with a row shard set (as
`lamina.distribution` sets one per batch), a layer's draws for its rows
are those rows of the draws one process makes for the whole batch, and
its generator ends where that process's does (the next whole-batch draw
agrees)."""

import pytest
import torch

from lamina.layers import preprocessing as pp

from harness import under_row_shard

TOTAL = 5
# A 2-row shard (RandomGaussianBlur's 2 sigmas), and an empty one.
SHARDS = [(0, 2), (2, 3), (2, 0)]

LAYERS = {
    "flip": lambda: pp.RandomFlip(seed=1),
    "contrast": lambda: pp.RandomContrast(0.5, seed=1),
    "brightness": lambda: pp.RandomBrightness(0.3, seed=1),
    "zoom": lambda: pp.RandomZoom(0.3, seed=1),
    "translation": lambda: pp.RandomTranslation(0.2, 0.2, seed=1),
    "rotation": lambda: pp.RandomRotation(0.2, seed=1),
    "posterization": lambda: pp.RandomPosterization((1, 8), seed=1),
    "gaussian_blur": lambda: pp.RandomGaussianBlur(1.0, seed=1),
    "erasing": lambda: pp.RandomErasing(1.0, seed=1),
    "elastic": lambda: pp.RandomElasticTransform(1.0, seed=1),
    "rand_augment": lambda: pp.RandAugment(num_ops=3, seed=1),
    "aug_mix": lambda: pp.AugMix(seed=1),
}


def _images():
    generator = torch.Generator().manual_seed(0)
    return torch.rand(TOTAL, 8, 8, 3, generator=generator) * 255


def _sharded(call, first, rows):
    return under_row_shard(call, first, rows, TOTAL)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_shard_draws_its_rows_of_the_whole_batch_draw(name):
    x = _images()
    whole_layer = LAYERS[name]()
    whole = whole_layer(x, training=True)
    after = whole_layer(x, training=True)
    for first, rows in SHARDS:
        layer = LAYERS[name]()  # each process's copy, seeded alike
        piece = _sharded(lambda: layer(x[first:first + rows], training=True),
                         first, rows)
        torch.testing.assert_close(piece, whole[first:first + rows],
                                   rtol=1e-5, atol=1e-3)
        # The generator advanced as one process's did.
        torch.testing.assert_close(layer(x, training=True), after,
                                   rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("make", [lambda: pp.MixUp(seed=2),
                                  lambda: pp.CutMix(seed=2)],
                         ids=["mix_up", "cut_mix"])
def test_mixing_weights_are_rows_of_the_whole_batch_draw(make):
    # The partners are this process's own rows (the others' are out of
    # reach): a permutation of them; the weights are the whole batch's.
    x = _images()
    whole_layer = make()
    whole = whole_layer.get_random_transformation(x)
    after = whole_layer.get_random_transformation(x)
    for first, rows in SHARDS:
        layer = make()
        drawn = _sharded(
            lambda: layer.get_random_transformation(x[first:first + rows]),
            first, rows)
        torch.testing.assert_close(drawn["mix_weight"],
                                   whole["mix_weight"][first:first + rows])
        assert sorted(drawn["permutation_order"].tolist()) == \
            list(range(rows))
        again = layer.get_random_transformation(x)
        torch.testing.assert_close(again["mix_weight"], after["mix_weight"])
        assert torch.equal(again["permutation_order"],
                           after["permutation_order"])


def test_a_draw_all_rows_share_is_left_whole():
    # RandomGaussianBlur's two sigmas are per batch, even where the shard
    # has two rows.
    layer = pp.RandomGaussianBlur(1.0, sigma=(0.5, 2.0), seed=3)
    whole = layer.get_random_transformation(_images())
    layer = pp.RandomGaussianBlur(1.0, sigma=(0.5, 2.0), seed=3)
    piece = _sharded(lambda: layer.get_random_transformation(_images()[:2]),
                     0, 2)
    assert torch.equal(piece["blur_factor"], whole["blur_factor"])
