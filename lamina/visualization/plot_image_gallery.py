"""plot_image_gallery: a grid of images, with optional labels, drawn with
matplotlib (`pip install lamina[plot]`), imported on first use."""

import math

import numpy as np

from lamina import config
from lamina.visualization.draw_bounding_boxes import INSTALL_HINT
from lamina.visualization.draw_bounding_boxes import to_numpy


def matplotlib_module(function):
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401
        import matplotlib.patches  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"{function} draws with matplotlib. Install it with "
            f"`{INSTALL_HINT}`. ({error})") from error
    return matplotlib


def to_display_range(images, value_range):
    """`images` mapped linearly from `value_range` to 0-255."""
    low, high = value_range
    if (low, high) == (0, 255):
        return images.astype("float32")
    return (images.astype("float32") - low) / (high - low) * 255.0


def _new_figure(in_pyplot, **kwargs):
    if in_pyplot:
        # Shown, or left open for `pyplot.gcf()` as Keras leaves it: only a
        # figure pyplot knows about can be reached that way.
        from matplotlib import pyplot
        return pyplot.figure(**kwargs)
    # Saved to a file and dropped: no pyplot backend needed.
    from matplotlib.figure import Figure
    return Figure(**kwargs)


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None,
                       rows=None, cols=None, value_range=(0, 255), scale=2,
                       path=None, show=None, transparent=True, dpi=60,
                       legend_handles=None, data_format=None):
    """Plots a `rows` x `cols` grid of images, titled with their true and
    predicted labels when given.

    Args:
        images: a 4D batch of images (tensor or array).
        y_true: true class ids, one per image (needs `label_map`).
        y_pred: predicted class ids, one per image (needs `label_map`).
        label_map: a dict from class id to the name shown.
        rows: grid rows; defaults to `ceil(sqrt(batch))`.
        cols: grid columns; defaults to `batch // rows`.
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        scale: inches per grid cell.
        path: where to save the figure; then it is not shown (and not
            kept).
        show: show the figure (the default when no `path` is given).
            With `show=False` and no `path`, the figure stays open in
            pyplot: `matplotlib.pyplot.gcf()` returns it.
        transparent: save with a transparent background.
        dpi: resolution of the saved file.
        legend_handles: matplotlib handles for a legend under the grid.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        None, as Keras.
    """
    matplotlib_module("plot_image_gallery")
    if path is not None and show:
        raise ValueError(
            "plot_image_gallery() expects either `path` to be set, or "
            "`show` to be true, not both.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError(
            "If `y_true` or `y_pred` are provided, a `label_map` must also "
            "be provided.")
    show = show if show is not None else path is None
    images = to_numpy(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(
            "`plot_image_gallery` expected a batch of images (a 4D tensor or "
            f"array). Received: images.shape={images.shape}")
    if config.standardize_data_format(data_format) == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    batch_size = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or max(1, batch_size // rows)
    images = np.clip(to_display_range(images[:rows * cols], value_range),
                     0, 255).astype("uint8")
    if images.shape[-1] == 1:
        images = images[..., 0]
    y_true = None if y_true is None else to_numpy(y_true)
    y_pred = None if y_pred is None else to_numpy(y_pred)

    figure = _new_figure(path is None, figsize=(cols * scale, rows * scale),
                         frameon=False, layout="tight")
    axes = figure.subplots(nrows=rows, ncols=cols, squeeze=False,
                           sharex="row", sharey="col")
    figure.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        figure.legend(handles=legend_handles, loc="lower center")
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(images):
            continue
        axis.imshow(images[index], cmap="gray" if images.ndim == 3 else None,
                    vmin=0, vmax=255)
        axis.margins(x=0, y=0)
        title = []
        if y_true is not None and index < len(y_true):
            title.append(f"Label: {_name(label_map, y_true[index])}")
        if y_pred is not None and index < len(y_pred):
            title.append(f"Pred: {_name(label_map, y_pred[index])}")
        if title:
            axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        figure.savefig(path, pad_inches=0, bbox_inches="tight",
                       transparent=transparent, dpi=dpi)
    elif show:
        from matplotlib import pyplot
        pyplot.show()
        pyplot.close(figure)


def _name(label_map, label):
    label = label.item() if isinstance(label, np.generic) else label
    return label_map.get(label, "Unknown")
