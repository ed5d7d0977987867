"""Resizing: resizes images to a fixed size, optionally keeping the aspect
ratio by cropping or padding."""

import torch

from lamina.utils import bounding_boxes as box_utils
from lamina.utils import image_transform
from lamina.layers.preprocessing._base_image_layer import BaseResizingLayer
from lamina.layers.preprocessing._base_image_layer import check_size
from lamina.layers.registry import register


@register()
class Resizing(BaseResizingLayer):
    """Resizes a batch of images to `(height, width)`.

    Numerics follow Keras 3 on torch: `torch.nn.functional.interpolate`
    with half-pixel centres (`align_corners=False`), antialiasing only when
    `antialias=True`, and `"nearest"` as torch's `"nearest-exact"`. Integer
    images are resized in float32, rounded and cast back to their dtype.

    Args:
        height: output height.
        width: output width.
        interpolation: `"bilinear"` (default), `"nearest"` or `"bicubic"`.
        crop_to_aspect_ratio: if True, crop the largest centred window with
            the target aspect ratio first, so images are not distorted.
        pad_to_aspect_ratio: if True, pad the images evenly on both sides
            with `fill_value` to the target aspect ratio first.
        fill_mode: how padding is filled with `pad_to_aspect_ratio`; only
            `"constant"` is supported.
        fill_value: the padding value with `pad_to_aspect_ratio`.
        antialias: whether to antialias when downsampling (bilinear and
            bicubic only).
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...). Boxes are scaled (and
            shifted by the padding or crop) as Keras does, clipped to the
            output (boxes left empty get the label -1); padding boxes (all
            0 or all -1) become zero boxes.

    Input shape:
        `(batch, height, width, channels)` or an unbatched image
        (channels_last).

    Output shape:
        `(batch, target_height, target_width, channels)` (channels_last).

    Example:
        >>> Resizing(4, 6)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 4, 6, 3])
    """

    def __init__(self, height, width, interpolation="bilinear",
                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_size("Resizing", height, width)
        self.height = height
        self.width = width
        self.interpolation = image_transform.check_choice(
            "Resizing", "interpolation", interpolation,
            image_transform.RESIZE_INTERPOLATIONS)
        self.fill_mode = image_transform.check_choice(
            "Resizing", "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio`"
                " of Resizing can be True. Received: crop_to_aspect_ratio="
                f"{crop_to_aspect_ratio}, pad_to_aspect_ratio="
                f"{pad_to_aspect_ratio}"
            )
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def _resize(self, images, interpolation):
        return image_transform.resize(
            images, (self.height, self.width), interpolation=interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value, data_format=self.data_format)

    def transform_images(self, images, transformation, training=True):
        return self._resize(images, self.interpolation)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self._resize(masks, "nearest")

    def get_random_transformation(self, images, training=True):
        return {"input_shape": tuple(images.shape)}

    def _resized_xyxy(self, boxes, height, width):
        """Pixel boxes of a `height` x `width` input on the output, with
        Keras's formulas for each mode."""
        x1, y1, x2, y2 = boxes.unbind(-1)
        if self.pad_to_aspect_ratio:
            ratio = min(self.height / height, self.width / width)
            top = (self.height - height * ratio) // 2
            left = (self.width - width * ratio) // 2
            scale_x = scale_y = ratio
        elif self.crop_to_aspect_ratio:
            source, target = width / height, self.width / self.height
            new_width = self.height * source if source > target \
                else self.width
            new_height = self.height if source > target \
                else self.width / source
            scale_x, scale_y = new_width / width, new_height / height
            left = -((new_width - self.width) // 2)
            top = -((new_height - self.height) // 2)
        else:
            scale_x, scale_y = self.width / width, self.height / height
            top = left = 0.0
        return torch.stack([x1 * scale_x + left, y1 * scale_y + top,
                            x2 * scale_x + left, y2 * scale_y + top], -1)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        height, width = self._image_size(transformation)
        values = bounding_boxes["boxes"]
        padding = (values == -1).all(-1) | (values == 0).all(-1)
        boxes = box_utils.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width)
        boxes["boxes"] = self._resized_xyxy(boxes["boxes"], height, width)
        boxes = box_utils.clip_to_image_size(boxes, self.height, self.width,
                                             "xyxy")
        boxes["boxes"] = torch.where(padding[..., None],
                                     torch.zeros_like(boxes["boxes"]),
                                     boxes["boxes"])
        return box_utils.convert_format(boxes, "xyxy",
                                        self.bounding_box_format,
                                        self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        })
        return config
