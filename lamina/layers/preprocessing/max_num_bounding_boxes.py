"""MaxNumBoundingBoxes: pads or cuts every sample's bounding boxes to a
fixed count, so that they batch as dense tensors."""

import torch.nn.functional as F

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.registry import register


@register()
class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Makes `bounding_boxes["boxes"]` `(batch, max_number, 4)` and
    `bounding_boxes["labels"]` `(batch, max_number)`: extra boxes are
    dropped, missing ones padded with `fill_value`. Images, labels and
    segmentation masks pass through unchanged.

    Args:
        max_number: the number of boxes per sample.
        fill_value: the value of padded boxes and labels. Defaults to -1.
        bounding_box_format: the boxes' format (`"xyxy"`, `"xywh"`, ...),
            required, as in Keras, when boxes are passed.

    Call arguments:
        data: a dict with `"images"` and `"bounding_boxes"` (a dict of
            `"boxes"` and `"labels"`), or images alone (returned as they
            are).
    """

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None,
                 **kwargs):
        super().__init__(bounding_box_format=bounding_box_format, **kwargs)
        if isinstance(max_number, bool) or int(max_number) < 1:
            raise ValueError(
                "Invalid value for argument `max_number` of "
                "MaxNumBoundingBoxes. Expected a positive int. "
                f"Received: max_number={max_number!r}")
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation, training=True):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        extra = set(bounding_boxes) - {"boxes", "labels"}
        if extra:
            raise KeyError(
                "There are unsupported keys in `bounding_boxes`: "
                f"{sorted(extra)}. Only `boxes` and `labels` are supported.")
        return {"boxes": self._fit(bounding_boxes["boxes"], 2),
                "labels": self._fit(bounding_boxes["labels"], 1)}

    def _fit(self, values, trailing):
        """`values` cut or padded along axis 1 to `max_number`."""
        values = values[:, :self.max_number]
        missing = self.max_number - values.shape[1]
        if missing > 0:
            padding = (0, 0) * (trailing - 1) + (0, missing)
            values = F.pad(values, padding, value=self.fill_value)
        return values

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            shapes = dict(input_shape)
            boxes = dict(shapes["bounding_boxes"])
            boxes["boxes"] = (boxes["boxes"][0], self.max_number,
                              *boxes["boxes"][2:])
            boxes["labels"] = (boxes["labels"][0], self.max_number)
            shapes["bounding_boxes"] = boxes
            return shapes
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["max_number"] = self.max_number
        return config
