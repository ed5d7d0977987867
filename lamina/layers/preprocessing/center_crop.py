"""CenterCrop: crops the central window of each image."""

from lamina.utils import image_transform
from lamina.layers.preprocessing._base_image_layer import BaseResizingLayer
from lamina.layers.preprocessing._base_image_layer import check_size
from lamina.layers.registry import register


@register()
class CenterCrop(BaseResizingLayer):
    """Crops the central `(height, width)` window of each image.

    When the input is smaller than the target along either axis, the image
    is resized instead, as Keras does: the largest centred window with the
    target aspect ratio is cropped, then resized bilinearly (`smart_resize`).
    Outputs are cast to the layer's compute dtype.

    Args:
        height: output height.
        width: output width.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...).
            Boxes are cut to the cropped window (and scaled with it when
            the image is resized); boxes left empty get the label -1.

    Input shape:
        `(batch, height, width, channels)` or an unbatched image
        (channels_last).

    Output shape:
        `(batch, target_height, target_width, channels)` (channels_last).

    Example:
        >>> CenterCrop(4, 4)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_size("CenterCrop", height, width)
        self.height = height
        self.width = width

    def get_random_transformation(self, images, training=True):
        return {"input_shape": tuple(images.shape)}

    def _window(self, height, width):
        """The `(top, left, height, width)` window of the input shown."""
        if height >= self.height and width >= self.width:
            return ((height - self.height) // 2, (width - self.width) // 2,
                    self.height, self.width)
        return image_transform.aspect_ratio_window(height, width,
                                                   self.height, self.width)

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        top, left, crop_h, crop_w = self._window(height, width)
        window = image_transform.crop(images, top, left, crop_h, crop_w,
                                       self.data_format)
        if (crop_h, crop_w) == (self.height, self.width):
            return window
        return image_transform.resize(window, (self.height, self.width),
                                       data_format=self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        size = self._image_size(transformation)
        return self._window_boxes(bounding_boxes, size, self._window(*size))

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self.transform_images(masks, transformation, training)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
