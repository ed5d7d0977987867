"""plot_segmentation_mask_gallery: each image beside its true and
predicted masks."""

import numpy as np

from lamina import config
from lamina.visualization.draw_bounding_boxes import check_batched
from lamina.visualization.draw_bounding_boxes import to_numpy
from lamina.visualization.draw_segmentation_masks import (
    draw_segmentation_masks,
)
from lamina.visualization.plot_image_gallery import matplotlib_module
from lamina.visualization.plot_image_gallery import plot_image_gallery
from lamina.visualization.plot_image_gallery import to_display_range


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255),
                                   y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8,
                                   ignore_index=-1, data_format=None,
                                   **kwargs):
    """Plots one row per image: the image, then `y_true` and `y_pred`
    (integer masks) drawn over it when given.

    Args:
        images: a 4D batch of images (tensor or array).
        num_classes: the number of classes in the masks.
        value_range: `(min, max)` of the pixel values.
        y_true: true masks `(batch, height, width, 1)`, or None.
        y_pred: predicted masks, or None.
        color_mapping: a dict from class id to RGB color.
        blend: blend the masks with the images.
        alpha: the masks' opacity when blending.
        ignore_index: the class id left unpainted.
        data_format: `"channels_last"` or `"channels_first"` (images and
            masks alike).
        **kwargs: passed to `plot_image_gallery` (`path`, `show`,
            `scale`, `dpi`, ...).

    Returns:
        None, as Keras (with `show=False` and no `path`, the figure stays
        open in pyplot: `matplotlib.pyplot.gcf()`).
    """
    matplotlib_module("plot_segmentation_mask_gallery")
    check_batched(images, "plot_segmentation_mask_gallery")
    channels_first = \
        config.standardize_data_format(data_format) == "channels_first"
    images = to_numpy(images)
    if channels_first:
        images = images.transpose(0, 2, 3, 1)
    images = np.clip(to_display_range(images, value_range), 0, 255)
    columns = [images]
    for masks in (y_true, y_pred):
        if masks is None:
            continue
        masks = to_numpy(masks).astype("int32")
        if channels_first and masks.ndim == 4:
            masks = masks.transpose(0, 2, 3, 1)
        columns.append(draw_segmentation_masks(
            images, masks, num_classes=num_classes,
            color_mapping=color_mapping, alpha=alpha, blend=blend,
            ignore_index=ignore_index, data_format="channels_last"))
    # Row by row: each image followed by its drawn masks.
    # Unblended masks come back as tensors (as Keras's do).
    gallery = np.stack([to_numpy(c).astype("float32") for c in columns],
                       axis=1)
    gallery = gallery.reshape(-1, *images.shape[1:])
    plot_image_gallery(gallery, value_range=(0, 255),
                       rows=images.shape[0], cols=len(columns),
                       data_format="channels_last", **kwargs)
