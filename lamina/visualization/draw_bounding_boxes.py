"""draw_bounding_boxes: boxes and class labels drawn into image arrays.

Keras draws with OpenCV; this draws with NumPy (rectangles) and Pillow
(labels, `pip install lamina[plot]`), so no OpenCV is needed.
"""

import numpy as np

from lamina import config
from lamina.utils.bounding_boxes import convert_format

INSTALL_HINT = "pip install lamina[plot]"


def to_numpy(x):
    """A NumPy array of a tensor, array or nested list."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def check_batched(images, function):
    shape = tuple(np.shape(images))
    if len(shape) != 4:
        raise ValueError(
            f"`{function}` expected `images` as a batched 4D tensor or "
            f"array. Received: images.shape={shape}")


def to_uint8(images):
    """Float images with values up to 1 are scaled to 0-255, others are
    clipped to it; then cast to uint8 (as Keras)."""
    if images.dtype.kind == "f" and images.size > 0:
        if images.max() <= 1.0:
            images = np.clip(images, 0, 1) * 255
        else:
            images = np.clip(images, 0, 255)
    return images.astype("uint8")


def _channel_color(color, channels):
    color = [int(c) for c in color][:channels]
    return np.array(color + [0] * (channels - len(color)), dtype="uint8")


def _fill(image, top, bottom, left, right, color):
    """Paints rows `[top, bottom]` x columns `[left, right]` (inclusive,
    clipped to the image)."""
    height, width = image.shape[:2]
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, height - 1), min(right, width - 1)
    if top <= bottom and left <= right:
        image[top:bottom + 1, left:right + 1] = color


def draw_rectangle(image, x1, y1, x2, y2, color, thickness):
    """The outline of the box with corners `(x1, y1)`, `(x2, y2)` (pixel
    coordinates, inclusive) in a `(height, width, channels)` uint8 array:
    each side covers the pixels within `thickness // 2` of its line, as
    OpenCV's thick lines do; a negative `thickness` fills the box."""
    left, right = sorted((x1, x2))
    top, bottom = sorted((y1, y2))
    if thickness < 0:
        _fill(image, top, bottom, left, right, color)
        return
    half = thickness // 2
    _fill(image, top - half, top + half, left - half, right + half, color)
    _fill(image, bottom - half, bottom + half, left - half, right + half,
          color)
    _fill(image, top - half, bottom + half, left - half, left + half, color)
    _fill(image, top - half, bottom + half, right - half, right + half,
          color)


def _font(font_scale):
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as error:
        raise ImportError(
            "draw_bounding_boxes writes class labels with Pillow. Install it "
            f"with `{INSTALL_HINT}`. ({error})") from error
    # OpenCV's FONT_HERSHEY_SIMPLEX at scale 1 has capitals ~22 px tall.
    size = max(1, int(round(30 * font_scale)))
    return Image, ImageDraw, ImageFont.load_default(size=size)


def draw_text(image, text, x, y, color, font_scale, thickness):
    """`text` with its baseline starting at `(x, y)` (OpenCV's origin),
    painted without antialiasing."""
    Image, ImageDraw, font = _font(font_scale)
    height, width = image.shape[:2]
    mask = Image.new("L", (width, height), 0)
    stroke = max(0, int(thickness)) // 2
    try:
        ImageDraw.Draw(mask).text((x, y), text, fill=255, font=font,
                                  anchor="ls", stroke_width=stroke,
                                  stroke_fill=255)
    except (ValueError, TypeError):  # a bitmap font: no anchors
        top = font.getbbox(text)[3]
        ImageDraw.Draw(mask).text((x, y - top), text, fill=255, font=font)
    image[np.asarray(mask) >= 128] = color


def _text_origin(x, y, font_scale, thickness):
    """Above the box when there is room, else just inside it (Keras's
    placement)."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def draw_bounding_boxes(images, bounding_boxes, bounding_box_format,
                        class_mapping=None, color=(128, 128, 128),
                        line_thickness=2, text_thickness=1, font_scale=1.0,
                        data_format=None):
    """Draws bounding boxes (and class labels) on a batch of images.

    Args:
        images: a 4D batch of images (tensor or array). Float images with
            values up to 1 are scaled to 0-255, others clipped to it.
        bounding_boxes: a dict with `"boxes"` `(batch, num_boxes, 4)` in
            `bounding_box_format`, `"labels"` `(batch, num_boxes)` (boxes
            labelled -1 are skipped) and optionally `"confidences"`.
        bounding_box_format: the boxes' format, e.g. `"xyxy"` (see
            `lamina.utils.bounding_boxes.convert_format`).
        class_mapping: a dict from class id to the name written above its
            boxes; classes not in it get no text.
        color: the RGB color of boxes and text.
        line_thickness: the boxes' line width in pixels; negative fills.
        text_thickness: the text's stroke width.
        font_scale: the text size (1.0 is about 22 pixels tall).
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A uint8 NumPy array of the annotated images, shaped as `images`.

    Example:
        >>> images = np.zeros((1, 32, 32, 3))
        >>> boxes = {"boxes": [[[4, 4, 20, 20]]], "labels": [[0]]}
        >>> draw_bounding_boxes(images, boxes, "xyxy").shape
        (1, 32, 32, 3)
    """
    check_batched(images, "draw_bounding_boxes")
    if not isinstance(bounding_boxes, dict):
        raise TypeError(
            "`bounding_boxes` should be a dict with 'boxes' and 'labels'. "
            f"Received: {type(bounding_boxes).__name__}")
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(
            "`bounding_boxes` should be a dict containing 'boxes' and "
            f"'labels' keys. Received keys: {sorted(bounding_boxes)}")
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = config.standardize_data_format(data_format)
    images = to_numpy(images)
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    height, width = images.shape[1:3]
    boxes = to_numpy(convert_format(to_numpy(bounding_boxes["boxes"]),
                                    bounding_box_format, "xyxy", height,
                                    width))
    labels = to_numpy(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    confidences = None if confidences is None else to_numpy(confidences)
    images = to_uint8(images).copy()
    paint = _channel_color(color, images.shape[-1])
    for i, image in enumerate(images):
        for j, box in enumerate(boxes[i]):
            label = int(labels[i][j])
            if label == -1:
                continue
            x1, y1, x2, y2 = (int(v) for v in box.astype("int32"))
            draw_rectangle(image, x1, y1, x2, y2, paint, line_thickness)
            if label in class_mapping:
                text = str(class_mapping[label])
                if confidences is not None:
                    text = f"{text} | {float(confidences[i][j]):.2f}"
                x, y = _text_origin(x1, y1, font_scale, text_thickness)
                draw_text(image, text, x, y, paint, font_scale,
                          text_thickness)
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    return images
