"""draw_bounding_boxes, pixel by pixel (Keras's needs OpenCV, which is not
a test dependency: the pixels are checked by hand)."""

import numpy as np
import pytest
import torch

from lamina.visualization import draw_bounding_boxes

pytest.importorskip("PIL")


def _outline(height, width, x1, y1, x2, y2, half):
    """The expected mask: every side `2 * half + 1` pixels wide."""
    mask = np.zeros((height, width), bool)
    rows, cols = np.mgrid[:height, :width]
    inside_outer = (rows >= y1 - half) & (rows <= y2 + half) & \
        (cols >= x1 - half) & (cols <= x2 + half)
    inside_inner = (rows > y1 + half) & (rows < y2 - half) & \
        (cols > x1 + half) & (cols < x2 - half)
    mask[inside_outer & ~inside_inner] = True
    return mask


@pytest.mark.parametrize("thickness,half", [(1, 0), (2, 1), (3, 1)])
def test_rectangle_pixels(thickness, half):
    images = np.zeros((2, 20, 24, 3), "float32")
    boxes = {"boxes": np.array([[[3, 4, 15, 12]], [[0, 0, 0, 0]]]),
             "labels": np.array([[0], [-1]])}
    out = draw_bounding_boxes(images, boxes, "xyxy", color=(255, 0, 7),
                              line_thickness=thickness)
    assert out.dtype == np.uint8 and out.shape == images.shape
    drawn = out[0].any(-1)
    np.testing.assert_array_equal(drawn, _outline(20, 24, 3, 4, 15, 12,
                                                  half))
    np.testing.assert_array_equal(out[0][drawn], [[255, 0, 7]] * drawn.sum())
    assert not out[1].any()  # label -1: skipped


def test_formats_scaling_clipping_and_layout():
    images = np.full((1, 16, 16, 3), 0.5, "float32")  # in [0, 1]: x 255
    boxes = {"boxes": torch.tensor([[[0.25, 0.125, 1.5, 0.75]]]),
             "labels": torch.tensor([[2]])}
    # rel_yxyx: y from 4 to 24 (beyond the image), x from 2 to 12.
    out = draw_bounding_boxes(images, boxes, "rel_yxyx", color=(0, 0, 0),
                              line_thickness=1)
    assert out[0, 8, 8].tolist() == [127, 127, 127]
    assert out[0, 4, 5].tolist() == [0, 0, 0]  # top side, y = 4
    assert out[0, 10, 2].tolist() == [0, 0, 0]  # left side, x = 2
    assert out[0, 10, 12].tolist() == [0, 0, 0]  # right side, x = 12
    assert (out[0, 15, 3:12] == 127).all()  # bottom side is off the image
    first = draw_bounding_boxes(images.transpose(0, 3, 1, 2), boxes,
                                "rel_yxyx", color=(0, 0, 0),
                                line_thickness=1,
                                data_format="channels_first")
    np.testing.assert_array_equal(first, out.transpose(0, 3, 1, 2))
    filled = draw_bounding_boxes(np.zeros((1, 8, 8, 1)), {
        "boxes": [[[1, 1, 3, 3]]], "labels": [[0]]}, "xyxy",
        color=(200, 0, 0), line_thickness=-1)
    assert filled[0, 1:4, 1:4].min() == 200 and filled.sum() == 9 * 200


def test_class_names_are_written_in_the_color():
    images = np.zeros((1, 64, 96, 3), "uint8")
    boxes = {"boxes": [[[10, 40, 60, 60]]], "labels": [[1]],
             "confidences": [[0.9]]}
    plain = draw_bounding_boxes(images, boxes, "xyxy", color=(0, 255, 0))
    named = draw_bounding_boxes(images, boxes, "xyxy", color=(0, 255, 0),
                                class_mapping={1: "cat"}, font_scale=0.5)
    text = named.any(-1) & ~plain.any(-1)
    # Above the box (Keras's placement: baseline 8 pixels over its top).
    rows = np.nonzero(text)[0]
    assert text.sum() > 20 and rows.max() <= 40 - 8 + 3
    assert (named[text] == [0, 255, 0]).all()


def test_errors():
    images = np.zeros((1, 8, 8, 3))
    with pytest.raises(ValueError, match="4D"):
        draw_bounding_boxes(images[0], {"boxes": [], "labels": []}, "xyxy")
    with pytest.raises(TypeError, match="dict"):
        draw_bounding_boxes(images, [[0, 0, 1, 1]], "xyxy")
    with pytest.raises(ValueError, match="labels"):
        draw_bounding_boxes(images, {"boxes": [[[0, 0, 1, 1]]]}, "xyxy")
