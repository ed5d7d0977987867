"""draw_segmentation_masks: class masks painted over image arrays."""

import numpy as np
import torch

from lamina import config
from lamina.visualization.draw_bounding_boxes import check_batched
from lamina.visualization.draw_bounding_boxes import to_numpy


def color_palette(num_classes):
    """Keras's default class colors: `(i * (2**25-1, 2**15-1, 2**21-1)) %
    255` for class `i` (class 0 is black)."""
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(images, segmentation_masks, num_classes=None,
                            color_mapping=None, alpha=0.8, blend=True,
                            ignore_index=-1, data_format=None):
    """Paints each pixel of class `c` (in `[0, num_classes)`) with class
    `c`'s color, blended with the image.

    Args:
        images: a 4D batch of images (tensor or array), values 0-255.
        segmentation_masks: integer class ids, `(batch, height, width, 1)`
            (or `(batch, height, width)`), laid out as `images`.
        num_classes: the number of classes; `None` takes the masks'
            largest value (that class itself then gets no color, as in
            Keras). Ids outside `[0, num_classes)` are not painted.
        color_mapping: a dict from class id to RGB color, for every class
            in `[0, num_classes)`; defaults to Keras's palette.
        alpha: the masks' opacity when blending.
        blend: blend with the images (`alpha`, pixels equal to
            `ignore_index` untouched) into uint8; if False, return the
            painted images as float32 without blending.
        ignore_index: the class id left unpainted when blending.
        data_format: `"channels_last"` or `"channels_first"`: the layout
            of `images` and `segmentation_masks`. The result is channels
            last either way, as Keras's (ready for plotting).

    Returns:
        `(batch, height, width, channels)` images: a uint8 NumPy array
        when blending; else a float32 torch tensor on the default device
        (Keras returns a backend tensor there).

    Example:
        >>> images = np.full((1, 4, 4, 3), 100.0)
        >>> masks = np.ones((1, 4, 4, 1), dtype="int32")
        >>> draw_segmentation_masks(images, masks, num_classes=2)[0, 0, 0]
        array([ 20, 121,  44], dtype=uint8)
    """
    check_batched(images, "draw_segmentation_masks")
    data_format = config.standardize_data_format(data_format)
    images = to_numpy(images).astype("float32")
    masks = to_numpy(segmentation_masks)
    if masks.dtype.kind not in "iu":
        raise TypeError(
            "`segmentation_masks` must be in integer dtype. "
            f"Received: segmentation_masks.dtype={masks.dtype}")
    channel_axis = 1 if data_format == "channels_first" else -1
    if masks.ndim == 3:
        masks = np.expand_dims(masks, channel_axis)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
        masks = masks.transpose(0, 2, 3, 1)
    if masks.shape[-1] != 1 or masks.shape[:3] != images.shape[:3]:
        raise ValueError(
            "`segmentation_masks` must hold one class id per pixel of "
            f"`images`. Received: images.shape={images.shape}, "
            f"segmentation_masks.shape={masks.shape} (channels last)")
    masks = masks[..., 0]
    if num_classes is None:
        num_classes = int(masks.max())
    if color_mapping is None:
        colors = color_palette(num_classes)
    else:
        missing = [i for i in range(num_classes) if i not in color_mapping]
        if missing:
            raise ValueError(
                "`color_mapping` needs a color for every class in "
                f"[0, num_classes={num_classes}). Missing: {missing}")
        colors = [color_mapping[i] for i in range(num_classes)]
    painted = images.copy()
    for class_id, color in enumerate(colors):
        painted[masks == class_id] = np.asarray(color, dtype="float32")
    if not blend:
        return torch.as_tensor(painted, device=config.default_device())
    blended = images * (1 - alpha) + painted * alpha
    valid = (masks != ignore_index)[..., None]
    return np.where(valid, blended, images).astype("uint8")
