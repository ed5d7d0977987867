"""Resizing: resizes images to a fixed size, optionally keeping the aspect
ratio by cropping or padding."""

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
