"""RandomCrop: crops a random window of each batch during training."""

from lamina.utils import image_transform
from lamina.layers.preprocessing._base_image_layer import BaseResizingLayer
from lamina.layers.preprocessing._base_image_layer import check_size
from lamina.layers.preprocessing._base_image_layer import make_default_seed
from lamina.layers.registry import register


@register()
class RandomCrop(BaseResizingLayer):
    """Randomly crops a `(height, width)` window during training.

    In training, when the input is larger than the target along both axes,
    one random window (the same for the whole batch, as in Keras) is
    cropped. Otherwise, and at inference, the output is the largest centred
    window with the target aspect ratio, resized bilinearly to `(height,
    width)` (`smart_resize`), so the output shape is always the target.
    (Keras 3.15 returns the input unchanged at inference, contradicting its
    documentation and the layer's output shape; Lamina follows the
    documented behaviour.) Outputs are cast to the layer's compute dtype.

    Args:
        height: output height.
        width: output width.
        seed: integer seed of the layer's random generator. When None, a
            random integer is written to the config (as Keras does) while
            the layer itself draws from the global torch generator.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...). Boxes are cut to the
            window the output shows, scaled with it when it is resized,
            and boxes left empty get the label -1. (Keras 3.15 shifts
            x by the vertical offset and y by the horizontal one, and
            clips only at zero; Lamina keeps the boxes on their pixels.)

    Call arguments:
        data: a `(height, width, channels)` image or a batch of them.
        training: crop at random only when True (the default, as in Keras).

    Example:
        >>> RandomCrop(4, 4, seed=0)(torch.rand(2, 8, 8, 3)).shape
        torch.Size([2, 4, 4, 3])
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_size("RandomCrop", height, width)
        self.height = height
        self.width = width
        self._make_generator(seed)
        self.seed = seed if seed is not None else make_default_seed()

    def get_random_transformation(self, images, training=True):
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        if training and height > self.height and width > self.width:
            # Two scalar draws; one host read each (only two per batch).
            top = int(self._uniform((), 0.0, float(height - self.height + 1),
                                    "cpu"))
            left = int(self._uniform((), 0.0, float(width - self.width + 1),
                                     "cpu"))
            return {"top": top, "left": left, "random": True,
                    "input_shape": tuple(images.shape)}
        top, left, _, _ = image_transform.aspect_ratio_window(
            height, width, self.height, self.width)
        return {"top": top, "left": left, "random": False,
                "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return self._smart_resize(images)
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        top, left = transformation["top"], transformation["left"]
        # Keras slices a target-sized window from the chosen corner, then
        # resizes whatever it got when the input was too small.
        bottom = min(top + self.height, images.shape[h_axis])
        right = min(left + self.width, images.shape[w_axis])
        window = image_transform.crop(images, top, left, bottom - top,
                                       right - left, self.data_format)
        if window.shape[h_axis] != self.height or \
                window.shape[w_axis] != self.width:
            window = image_transform.resize(
                window, (self.height, self.width),
                data_format=self.data_format)
        return window

    def _smart_resize(self, images):
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        if (height, width) == (self.height, self.width):
            return images
        top, left, crop_h, crop_w = image_transform.aspect_ratio_window(
            height, width, self.height, self.width)
        window = image_transform.crop(images, top, left, crop_h, crop_w,
                                       self.data_format)
        return image_transform.resize(window, (self.height, self.width),
                                       data_format=self.data_format)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        height, width = self._image_size(transformation)
        if not training:
            if (height, width) == (self.height, self.width):
                return bounding_boxes
            window = image_transform.aspect_ratio_window(
                height, width, self.height, self.width)
        else:
            # The window `transform_images` slices (a target-sized one,
            # cut short at the image's edge).
            top, left = transformation["top"], transformation["left"]
            window = (top, left, min(top + self.height, height) - top,
                      min(left + self.width, width) - left)
        return self._window_boxes(bounding_boxes, (height, width), window)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self.transform_images(masks, transformation, training)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "seed": self.seed})
        return config
