"""MaxNumBoundingBoxes: pads or cuts every sample's bounding boxes to a
fixed count, so that they batch as dense tensors."""

import torch
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
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        if isinstance(max_number, bool) or int(max_number) < 1:
            raise ValueError(
                "Invalid value for argument `max_number` of "
                "MaxNumBoundingBoxes. Expected a positive int. "
                f"Received: max_number={max_number!r}")
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def call(self, data, training=True):
        if not isinstance(data, dict) or "bounding_boxes" not in data:
            return data
        if self.bounding_box_format is None:
            raise ValueError(
                "You passed an input with a 'bounding_boxes' key, but you "
                "didn't specify a bounding box format. Pass a "
                "`bounding_box_format` argument to your MaxNumBoundingBoxes "
                "layer, e.g. `bounding_box_format='xyxy'`.")
        boxes_dict = data["bounding_boxes"]
        extra = set(boxes_dict) - {"boxes", "labels"}
        if extra:
            raise KeyError(
                "There are unsupported keys in `bounding_boxes`: "
                f"{sorted(extra)}. Only `boxes` and `labels` are supported.")
        outputs = dict(data)
        outputs["bounding_boxes"] = {
            "boxes": self._fit(torch.as_tensor(boxes_dict["boxes"]), 2),
            "labels": self._fit(torch.as_tensor(boxes_dict["labels"]), 1),
        }
        return outputs

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
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        config["max_number"] = self.max_number
        return config
