"""The plot_* galleries: figures with the right grid, titles, legend and
saved files (matplotlib's Agg backend, nothing shown)."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib import pyplot  # noqa: E402

from lamina import visualization  # noqa: E402


def _plot(function, *args, **kwargs):
    """Keras's plot_* return None; with show=False and no path the figure
    stays open in pyplot, where the caller finds it."""
    pyplot.close("all")
    assert function(*args, show=False, **kwargs) is None
    assert len(pyplot.get_fignums()) == 1
    return pyplot.gcf()


def _images(batch=5, size=8):
    return np.random.default_rng(0).uniform(
        0, 255, (batch, size, size, 3)).astype("float32")


def _shown(figure):
    return [a for a in figure.axes if a.images]


def test_image_gallery_grid_titles_and_file(tmp_path):
    # Keras's grid: ceil(sqrt(5)) = 3 rows of 5 // 3 = 1 column.
    figure = _plot(visualization.plot_image_gallery, _images())
    assert len(figure.axes) == 3 and len(_shown(figure)) == 3
    figure = _plot(
        visualization.plot_image_gallery, _images(4) / 255,
        value_range=(0, 1), y_true=np.array([0, 1, 1, 0]),
        y_pred=[1, 1, 0, 7], label_map={0: "cat", 1: "dog"})
    assert len(figure.axes) == 4
    titles = [a.get_title() for a in figure.axes]
    assert titles[0] == "Label: cat  Pred: dog"
    assert titles[3] == "Label: cat  Pred: Unknown"
    shown = figure.axes[0].images[0].get_array()
    assert shown.dtype == np.uint8 and shown.max() > 200
    target = tmp_path / "gallery.png"
    pyplot.close("all")
    assert visualization.plot_image_gallery(
        _images(4), rows=1, cols=4, path=str(target)) is None
    assert target.read_bytes().startswith(b"\x89PNG")
    # A saved figure is not left open (Keras closes it).
    assert pyplot.get_fignums() == []
    channels_first = _plot(
        visualization.plot_image_gallery,
        _images(2).transpose(0, 3, 1, 2)[..., :1, :, :], rows=1, cols=3,
        data_format="channels_first")
    assert len(channels_first.axes) == 3
    assert len(_shown(channels_first)) == 2


def test_bounding_box_gallery():
    boxes = {"boxes": np.array([[[1, 1, 6, 6]]] * 4),
             "labels": np.array([[0]] * 4)}
    figure = _plot(
        visualization.plot_bounding_box_gallery, np.zeros((4, 8, 8, 3)),
        "xyxy", y_true=boxes, y_pred=boxes, legend=True, line_thickness=1)
    assert len(figure.axes) == 4 and len(figure.legends) == 1
    pixels = figure.axes[0].images[0].get_array()
    # The predictions, drawn last, cover the true boxes.
    assert pixels[1, 1].tolist() == [255, 235, 59]
    with pytest.raises(ValueError, match="legend"):
        visualization.plot_bounding_box_gallery(
            np.zeros((1, 8, 8, 3)), "xyxy", legend=True,
            legend_handles=[object()], show=False)


def test_segmentation_mask_gallery():
    masks = np.random.default_rng(1).integers(0, 3, (3, 8, 8, 1))
    figure = _plot(
        visualization.plot_segmentation_mask_gallery, _images(3),
        num_classes=3, y_true=masks, y_pred=masks)
    # One row per image: the image, its true and its predicted masks.
    assert len(figure.axes) == 9
    first_row = [a.images[0].get_array() for a in figure.axes[:3]]
    np.testing.assert_array_equal(first_row[1], first_row[2])
    assert not np.array_equal(first_row[0], first_row[1])
    figure = _plot(
        visualization.plot_segmentation_mask_gallery, _images(2),
        num_classes=3, y_true=masks[:2])
    assert len(figure.axes) == 4
    # Unblended masks (tensors from draw_segmentation_masks) plot too.
    figure = _plot(
        visualization.plot_segmentation_mask_gallery, _images(2),
        num_classes=3, y_true=masks[:2], blend=False)
    painted = figure.axes[1].images[0].get_array()
    assert painted[masks[0, ..., 0] == 1].tolist()[0] == [1, 127, 31]


def test_errors_and_missing_matplotlib(monkeypatch):
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(_images(), y_true=[0], show=False)
    with pytest.raises(ValueError, match="path"):
        visualization.plot_image_gallery(_images(), path="x.png", show=True)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        visualization.plot_image_gallery(_images())
