"""`keras.utils.bounding_boxes`: bounding-box helpers on torch tensors.

Formats (case-insensitive): `"xyxy"` [left, top, right, bottom],
`"yxyx"`, `"xywh"` [left, top, width, height], `"center_xywh"`,
`"center_yxhw"`, and the relative `"rel_xyxy"`, `"rel_yxyx"`,
`"rel_xywh"`, `"rel_center_xywh"` (coordinates divided by the image's
width and height).

Modules: `formats` (`convert_format`), `geometry` (clipping, cropping,
padding, affine warps), `iou`, `deltas` (anchor encoding) and
`validation` (the dense form image layers take).
"""

from lamina.utils.bounding_boxes.deltas import decode_deltas_to_boxes
from lamina.utils.bounding_boxes.deltas import encode_box_to_deltas
from lamina.utils.bounding_boxes.formats import SUPPORTED_FORMATS
from lamina.utils.bounding_boxes.formats import convert_format
from lamina.utils.bounding_boxes.geometry import affine_transform
from lamina.utils.bounding_boxes.geometry import clip_to_image_size
from lamina.utils.bounding_boxes.geometry import crop
from lamina.utils.bounding_boxes.geometry import pad
from lamina.utils.bounding_boxes.iou import compute_ciou
from lamina.utils.bounding_boxes.iou import compute_iou

__all__ = ["SUPPORTED_FORMATS", "affine_transform", "clip_to_image_size",
           "compute_ciou", "compute_iou", "convert_format",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "crop", "pad"]
