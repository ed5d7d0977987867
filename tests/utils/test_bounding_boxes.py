"""keras.utils.bounding_boxes.convert_format against Keras 3: every pair of
formats."""

import itertools

import numpy as np
import pytest
import torch

from lamina.utils import bounding_boxes

FORMATS = bounding_boxes.SUPPORTED_FORMATS


@pytest.mark.parametrize("source,target",
                         list(itertools.product(FORMATS, FORMATS)))
def test_convert_format_matches_keras(keras_ref, source, target):
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0, 1, (2, 3, 4)).astype("float32")
    if not source.startswith("rel_"):
        boxes = boxes * 100
    ours = bounding_boxes.convert_format(boxes, source, target, height=80,
                                         width=120)
    theirs = keras_ref.utils.bounding_boxes.convert_format(
        boxes.copy(), source, target, height=80, width=120)
    np.testing.assert_allclose(ours.numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               rtol=1e-5, atol=1e-4)


def test_dicts_and_errors():
    data = {"boxes": [[10, 20, 30, 40]], "labels": [1]}
    out = bounding_boxes.convert_format(data, "xyxy", "xywh")
    torch.testing.assert_close(out["boxes"], torch.tensor([[10., 20., 20.,
                                                             20.]]))
    assert out["labels"] == [1]
    with pytest.raises(ValueError, match="last dimension of 4"):
        bounding_boxes.convert_format(np.zeros((2, 3)), "xyxy", "xywh")
    with pytest.raises(ValueError, match="height"):
        bounding_boxes.convert_format(np.zeros((2, 4)), "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match="Supported formats"):
        bounding_boxes.convert_format(np.zeros((2, 4)), "xyxy", "polar")
