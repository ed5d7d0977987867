"""MixUp and CutMix: Keras parity in inference, the mixing identities and
statistics in training."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers import preprocessing

# The batches are made where the layers run (CUDA on a GPU machine): the
# tests draw the layers' transformations again on them and compare.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.mark.parametrize("name,kwargs", [("MixUp", {"alpha": 0.4}),
                                         ("CutMix", {"factor": 0.5})])
def test_inference_matches_keras(keras_compare, images, name, kwargs):
    keras_compare(name, kwargs, images, training=False)


def _batch(n=64):
    images = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1) \
        .expand(n, 6, 8, 3).contiguous()
    labels = torch.nn.functional.one_hot(torch.arange(n) % 4, 4).float()
    return images, labels


def test_mixup_mixes_images_and_labels_alike():
    images, labels = _batch()
    out = preprocessing.MixUp(alpha=0.5, seed=3)(
        {"images": images, "labels": labels})
    # The same seed draws the same transformation again.
    twin = preprocessing.MixUp(alpha=0.5, seed=3)
    drawn = twin.get_random_transformation(images)
    w, order = drawn["mix_weight"], drawn["permutation_order"]
    expected = w.view(-1, 1, 1, 1) * images + \
        (1 - w.view(-1, 1, 1, 1)) * images[order]
    torch.testing.assert_close(out["images"], expected)
    torch.testing.assert_close(
        out["labels"], w[:, None] * labels + (1 - w[:, None]) * labels[order])


def test_mixup_weight_statistics():
    layer = preprocessing.MixUp(alpha=0.3, seed=0)
    transformation = layer.get_random_transformation(torch.zeros(4000, 1, 1,
                                                                 1))
    w = transformation["mix_weight"]
    assert abs(w.mean().item() - 0.5) < 0.03
    # Var of Beta(a, a) = 1 / (4 (2a + 1)).
    assert abs(w.var().item() - 1 / (4 * 1.6)) < 0.02
    assert sorted(transformation["permutation_order"].tolist()) == \
        list(range(4000))


def test_cutmix_pastes_boxes_and_mixes_labels_by_area():
    images, labels = _batch()
    layer = preprocessing.CutMix(seed=5)
    out = layer({"images": images, "labels": labels})
    mixed, mixed_labels = out["images"], out["labels"]
    own = images[:, 0, 0, 0].view(-1, 1, 1, 1)
    pasted = mixed != own
    for i in range(64):
        values = mixed[i].unique()
        assert len(values) <= 2 and own[i, 0, 0, 0] in values or \
            len(values) == 1
    kept_area = 1 - pasted[..., 0].float().mean((1, 2))
    # Labels keep the own class in proportion to the area kept (the
    # discrete box can differ from the continuous one by a pixel row).
    own_share = (mixed_labels * labels).sum(1)
    moved = own_share < 1
    assert moved.any()
    assert (abs(own_share - kept_area)[moved] < 0.3).all()
    torch.testing.assert_close(mixed_labels.sum(1), torch.ones(64))


def test_cutmix_channels_first_and_masks():
    images = torch.rand(8, 3, 6, 6)
    masks = torch.randint(0, 3, (8, 1, 6, 6))
    out = preprocessing.CutMix(seed=1, data_format="channels_first")(
        {"images": images, "segmentation_masks": masks})
    assert out["images"].shape == (8, 3, 6, 6)
    assert out["segmentation_masks"].shape == (8, 1, 6, 6)


@pytest.mark.parametrize("cls,kwargs", [
    (preprocessing.MixUp, {"seed": 1}),
    (preprocessing.CutMix, {"seed": 1}),
])
def test_harness(keras_ref, cls, kwargs):
    run_layer_test(cls, kwargs, input_shape=(4, 5, 6, 3),
                   expected_output_shape=(4, 5, 6, 3),
                   keras_reference=keras_ref)


def test_bad_arguments():
    with pytest.raises(ValueError, match="alpha"):
        preprocessing.MixUp(alpha=0)
    with pytest.raises(ValueError, match="factor"):
        preprocessing.CutMix(factor=2)
    with pytest.raises(ValueError, match="bounding_boxes"):
        preprocessing.MixUp()({"images": torch.zeros(2, 2, 2, 3),
                               "bounding_boxes": {}})
