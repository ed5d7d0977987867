"""plot_bounding_box_gallery: a grid of images with their true and
predicted boxes drawn in."""

import numpy as np

from lamina import config
from lamina.visualization.draw_bounding_boxes import check_batched
from lamina.visualization.draw_bounding_boxes import draw_bounding_boxes
from lamina.visualization.draw_bounding_boxes import to_numpy
from lamina.visualization.plot_image_gallery import matplotlib_module
from lamina.visualization.plot_image_gallery import plot_image_gallery
from lamina.visualization.plot_image_gallery import to_display_range


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None,
                              y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212),
                              pred_color=(255, 235, 59), line_thickness=2,
                              font_scale=1.0, text_thickness=None,
                              class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False,
                              legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Plots images with `y_true` boxes in `true_color` and `y_pred` boxes
    in `pred_color` (each a dict with `"boxes"` and `"labels"`, as
    `draw_bounding_boxes` takes).

    Args:
        images: a 4D batch of images (tensor or array).
        bounding_box_format: the boxes' format, e.g. `"xyxy"`.
        y_true: the true boxes, or None.
        y_pred: the predicted boxes, or None.
        value_range: `(min, max)` of the pixel values.
        true_color: RGB color of the true boxes.
        pred_color: RGB color of the predicted boxes.
        line_thickness: line width of the boxes in pixels.
        font_scale: size of the class names.
        text_thickness: stroke of the class names; defaults to
            `line_thickness`.
        class_mapping: a dict from class id to name, for both sets.
        ground_truth_mapping: the names for `y_true` (over
            `class_mapping`).
        prediction_mapping: the names for `y_pred` (over `class_mapping`).
        legend: add a "Ground Truth" / "Prediction" legend.
        legend_handles: matplotlib handles for a legend of your own.
        rows: grid rows. cols: grid columns.
        data_format: `"channels_last"` or `"channels_first"`.
        **kwargs: passed to `plot_image_gallery` (`path`, `show`,
            `scale`, `dpi`, ...).

    Returns:
        None, as Keras (with `show=False` and no `path`, the figure stays
        open in pyplot: `matplotlib.pyplot.gcf()`).
    """
    matplotlib = matplotlib_module("plot_bounding_box_gallery")
    if legend and legend_handles:
        raise ValueError(
            "Pass `legend` or `legend_handles` to "
            "plot_bounding_box_gallery(), not both.")
    check_batched(images, "plot_bounding_box_gallery")
    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    images = to_numpy(images)
    if config.standardize_data_format(data_format) == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    # Drawn on 0-255 values, so that the colors are the ones asked for.
    plotted = np.clip(to_display_range(images, value_range), 0, 255)
    plotted = plotted.astype("uint8")
    for boxes, color, mapping in ((y_true, true_color, ground_truth_mapping),
                                  (y_pred, pred_color, prediction_mapping)):
        if boxes is not None:
            plotted = draw_bounding_boxes(
                plotted, boxes, bounding_box_format, class_mapping=mapping,
                color=color, line_thickness=line_thickness,
                text_thickness=text_thickness, font_scale=font_scale,
                data_format="channels_last")
    if legend:
        patch = matplotlib.patches.Patch
        legend_handles = [
            patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    plot_image_gallery(plotted, value_range=(0, 255),
                       legend_handles=legend_handles, rows=rows,
                       cols=cols, data_format="channels_last",
                       **kwargs)
