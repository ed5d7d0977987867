"""Bad bounding boxes, masks and labels given to the image layers: each
error names the layer, the key, what was expected and what came (no
torch error from deep inside)."""

import numpy as np
import pytest
import torch

from lamina.layers import preprocessing as P

IMAGES = torch.rand(2, 6, 6, 3)


def test_errors_name_the_layer_and_the_argument():
    data = {"images": torch.rand(2, 6, 6, 3),
            "bounding_boxes": {"boxes": torch.zeros(2, 1, 4),
                               "labels": torch.zeros(2, 1)}}
    with pytest.raises(ValueError, match="bounding_box_format"):
        P.RandomFlip()(dict(data))
    with pytest.raises(ValueError, match="CutMix does not support"):
        P.CutMix(bounding_box_format="xyxy")(dict(data))
    with pytest.raises(ValueError, match="bounding_box_format"):
        P.RandomZoom(0.1, bounding_box_format="polar")
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        P.RandomFlip(bounding_box_format="xyxy")(
            {"images": data["images"],
             "bounding_boxes": {"boxes": torch.zeros(2, 1, 4)}})
    with pytest.raises(ValueError, match="rank 3"):
        P.RandomFlip(bounding_box_format="xyxy")(
            {"images": data["images"],
             "bounding_boxes": {"boxes": torch.zeros(1, 4),
                                "labels": torch.zeros(1)}})
    config = P.RandomRotation(0.1, bounding_box_format="yxyx").get_config()
    assert config["bounding_box_format"] == "yxyx"
    assert P.RandomRotation.from_config(config).bounding_box_format == "yxyx"


def _call(boxes, labels, layer=None, images=IMAGES):
    layer = layer or P.RandomFlip(bounding_box_format="xyxy", seed=0)
    return layer({"images": images,
                  "bounding_boxes": {"boxes": boxes, "labels": labels}})


@pytest.mark.parametrize("layer", [
    P.RandomFlip(bounding_box_format="xyxy", seed=0),
    P.RandomRotation(0.2, bounding_box_format="xyxy", seed=0),
    P.CenterCrop(4, 4, bounding_box_format="xyxy")])
def test_boxes_for_another_batch_size(layer):
    with pytest.raises(ValueError, match=rf"{type(layer).__name__} .*each "
                       r"of the 2 images.*\(3, 1, 4\)"):
        _call(torch.zeros(3, 1, 4), torch.zeros(3, 1), layer)


def test_labels_that_do_not_pair_with_the_boxes():
    with pytest.raises(ValueError, match=r"RandomFlip expected one label "
                       r"per box.*\(2, 3\).*labels.shape=\(2, 4\)"):
        _call(np.zeros((2, 3, 4), "float32"), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="image 1 of the batch has 1 boxes "
                       "and 2 labels"):
        _call([[[0, 0, 1, 1]], [[0, 0, 1, 1]]], [[1], [1, 2]])


def test_boxes_that_are_not_four_numbers():
    with pytest.raises(ValueError, match=r"CenterCrop expected boxes of 4 "
                       r"numbers.*\(2, 3, 5\)"):
        _call(np.zeros((2, 3, 5), "float32"), np.zeros((2, 3)),
              P.CenterCrop(4, 4, bounding_box_format="xyxy"))
    with pytest.raises(ValueError, match=r"RandomFlip expected each box.*"
                       r"4 numbers.*image 0.*\[1, 2, 3\]"):
        _call([[[1, 2, 3]], [[1, 2, 3, 4]]], [[1], [2]])
    with pytest.raises(ValueError, match="RandomFlip expected "
                       r"`bounding_boxes\['boxes'\]` to be a tensor.*'abc'"):
        _call("abc", [1])


@pytest.mark.parametrize("layer", [
    P.RandomFlip(seed=0), P.RandomRotation(0.2, seed=0),
    P.RandomCrop(4, 4, seed=0), P.Resizing(4, 4)])
def test_masks_and_labels_must_match_the_images(layer):
    # A mask of another size or batch would be moved by a draw made for
    # other pixels (or fail inside torch).
    name = type(layer).__name__
    for shape in [(3, 6, 6, 1), (2, 5, 5, 1)]:
        with pytest.raises(ValueError, match=rf"{name} expected "
                           r"`segmentation_masks` of the images' batch size, "
                           r"height and width \(2, 6, 6\)"):
            layer({"images": IMAGES, "segmentation_masks": torch.zeros(shape)})
    with pytest.raises(ValueError, match=rf"{name} expected `labels` with "
                       r"one entry per image.*labels.shape=\(3,\)"):
        layer({"images": IMAGES, "labels": torch.zeros(3)})
    channels_first = type(layer).from_config(
        dict(layer.get_config(), data_format="channels_first"))
    out = channels_first({"images": IMAGES.permute(0, 3, 1, 2),
                          "segmentation_masks": torch.zeros(2, 1, 6, 6),
                          "labels": torch.zeros(2)})
    assert out["segmentation_masks"].shape[:2] == (2, 1)


def test_rand_augment_needs_each_picks_draw():
    layer = P.RandAugment(bounding_box_format="xyxy", seed=0)
    boxes = {"boxes": torch.zeros(2, 1, 4), "labels": torch.zeros(2, 1)}
    with pytest.raises(ValueError, match="RandAugment needs the drawn "
                       ".* to move bounding boxes"):
        layer.transform_bounding_boxes(boxes, {"transforms": None})
    with pytest.raises(ValueError, match="to move segmentation masks"):
        layer.transform_segmentation_masks(torch.zeros(2, 6, 6, 1), {})
