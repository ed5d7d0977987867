"""draw_segmentation_masks against Keras 3 (it needs neither OpenCV nor
TensorFlow), and by hand where Keras on torch fails."""

import numpy as np
import pytest
import torch

from lamina.visualization import draw_segmentation_masks


def _data(seed=0, shape=(2, 5, 6)):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 255, shape + (3,)).astype("float32")
    masks = rng.integers(-1, 4, shape + (1,)).astype("int32")
    return images, masks


@pytest.mark.parametrize("kwargs", [
    {"num_classes": 5},
    {"num_classes": 4, "alpha": 0.3, "ignore_index": 2},
    {"num_classes": 4, "color_mapping": {0: (9, 9, 9), 1: (255, 0, 0),
                                         2: (0, 0, 255), 3: (1, 2, 3)}},
])
def test_matches_keras(keras_ref, kwargs):
    images, masks = _data()
    expected = keras_ref.visualization.draw_segmentation_masks(
        images, masks, **kwargs)
    got = draw_segmentation_masks(torch.from_numpy(images),
                                  torch.from_numpy(masks), **kwargs)
    assert got.dtype == np.uint8 and got.shape == images.shape
    np.testing.assert_array_equal(got, expected)
    unblended = keras_ref.visualization.draw_segmentation_masks(
        images, masks, blend=False, **kwargs)
    got = draw_segmentation_masks(images, masks, blend=False, **kwargs)
    # Unblended, Keras returns a backend tensor: a float32 torch tensor.
    assert isinstance(unblended, torch.Tensor)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    np.testing.assert_array_equal(got.cpu().numpy(),
                                  unblended.cpu().numpy())


@pytest.mark.parametrize("blend", [True, False])
def test_channels_first_gives_channels_last_as_keras(keras_ref, blend):
    images, masks = _data(2)
    first = images.transpose(0, 3, 1, 2), masks.transpose(0, 3, 1, 2)
    expected = keras_ref.visualization.draw_segmentation_masks(
        *first, num_classes=4, blend=blend, data_format="channels_first")
    got = draw_segmentation_masks(*first, num_classes=4, blend=blend,
                                  data_format="channels_first")
    assert type(got) is type(expected) and got.shape == images.shape
    np.testing.assert_array_equal(
        keras_ref.ops.convert_to_numpy(expected),
        got if blend else got.cpu().numpy())


def test_default_num_classes_and_layouts():
    images, masks = _data(1)
    # The largest id sets num_classes and gets no color (Keras on torch
    # raises here; on JAX it leaves those pixels as they are).
    out = draw_segmentation_masks(images, masks)
    top = masks[..., 0] == masks.max()
    np.testing.assert_array_equal(out[top], images[top].astype("uint8"))
    # Class 1 in Keras's palette is (1, 127, 31), blended at alpha 0.8.
    one = masks[..., 0] == 1
    expected = (images[one] * 0.2 + np.array([1, 127, 31]) * 0.8)
    np.testing.assert_array_equal(out[one], expected.astype("uint8"))
    first = draw_segmentation_masks(images.transpose(0, 3, 1, 2),
                                    masks.transpose(0, 3, 1, 2),
                                    data_format="channels_first")
    np.testing.assert_array_equal(first, out)
    np.testing.assert_array_equal(
        draw_segmentation_masks(images, masks[..., 0]), out)


def test_errors():
    images, masks = _data()
    with pytest.raises(TypeError, match="integer"):
        draw_segmentation_masks(images, masks.astype("float32"))
    with pytest.raises(ValueError, match="4D"):
        draw_segmentation_masks(images[0], masks[0])
    with pytest.raises(ValueError, match="Missing"):
        draw_segmentation_masks(images, masks, num_classes=3,
                                color_mapping={0: (1, 2, 3)})
