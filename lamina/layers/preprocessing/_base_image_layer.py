"""The shared base of image preprocessing layers.

A layer draws one random transformation per call for the whole batch
(`get_random_transformation`) and applies it (`transform_images`). Inputs
are a single image (rank 3) or a batch (rank 4), in `data_format`; a dict
with `"images"` plus optional `"labels"` (`transform_labels`),
`"segmentation_masks"` (warped like the images, with nearest
interpolation, by geometric layers) and `"bounding_boxes"` (a dict of
`"boxes"` in the layer's `bounding_box_format` and `"labels"`, moved by
`transform_bounding_boxes` with the same draw) is also accepted, as in
Keras. Boxes come dense (`(batch, num_boxes, 4)`, padded) or, for a batch,
as a list of per-image lists (padded with zero boxes labelled -1).

As in Keras, `call` takes `training=True` by default: calling a random
layer directly augments, while `fit` augments and `evaluate`/`predict`
(which pass `training=False`) do not.
"""

import random as python_random

import torch

from lamina import config
from lamina import random_masks
from lamina.layers.layer import Layer
from lamina.utils import bounding_boxes as box_utils
from lamina.utils import image_transform
from lamina.utils.bounding_boxes import SUPPORTED_FORMATS
from lamina.utils.bounding_boxes.validation import densify_bounding_boxes
from lamina.random import SeedGenerator


def make_default_seed():
    return python_random.randint(1, int(1e9))


def parse_factor(owner, factor, bounds=(-1, 1), name="factor"):
    """A number or a pair of numbers as Keras's `(lower, upper)`."""
    message = (
        f"Invalid value for argument `{name}` of {owner}. Expected a number "
        f"or a list of two numbers in the range [{bounds[0]}, {bounds[1]}]. "
        f"Received: {name}={factor!r}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def check_bounding_box_format(owner, bounding_box_format):
    if bounding_box_format is None or \
            str(bounding_box_format).lower() in SUPPORTED_FORMATS:
        return bounding_box_format
    raise ValueError(
        f"Invalid value for argument `bounding_box_format` of {owner}. "
        f"Expected one of {SUPPORTED_FORMATS}. Received: "
        f"bounding_box_format={bounding_box_format!r}")


class BaseImagePreprocessingLayer(Layer):
    """Image layers: one transformation per batch, channels-last or -first.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...); required when boxes are
            passed, as in Keras.
    """

    # Layers that leave every pixel where it is (colour, blur, erasing)
    # pass bounding boxes through, as Keras's do.
    _BOXES_UNCHANGED = False

    def __init__(self, data_format=None, bounding_box_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.bounding_box_format = check_bounding_box_format(
            type(self).__name__, bounding_box_format)

    def _make_generator(self, seed):
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _to_compute_dtype(self, images):
        return images.to(self.dtype_policy.torch_compute_dtype)

    # The layers' random draws. A draw along the batch's rows (its first
    # axis, unless said otherwise, of the images' batch size) is, under
    # data parallelism, this process's rows of the draw one process would
    # make for the whole global batch (`random_masks.draw_rows`): the
    # values, and the generator's state afterwards, are one process's.
    def _uniform(self, shape, low, high, device, along_rows=True):
        """Samples U[low, high) with the layer's seeded generator;
        `along_rows=False` for a draw all rows share (whatever its
        size)."""
        generator = self.generator.generator(device)

        def draw(size):
            return torch.rand(size, generator=generator, device=device)

        shape = tuple(shape)
        sample = random_masks.draw_rows(draw, shape) if along_rows \
            else draw(shape)
        return sample * (high - low) + low

    def _normal(self, shape, device, dtype=None, rows_axis=0):
        """Standard normal samples with the layer's seeded generator, one
        per batch row along `rows_axis`."""
        generator = self.generator.generator(device)
        return random_masks.draw_rows(
            lambda size: torch.randn(size, dtype=dtype, device=device,
                                     generator=generator),
            shape, rows_axis)

    def _randint(self, low, high, shape, device):
        """Integers drawn uniformly from [low, high) with the layer's
        seeded generator, one per batch row along the first axis."""
        generator = self.generator.generator(device)
        return random_masks.draw_rows(
            lambda size: torch.randint(low, high, size, device=device,
                                       generator=generator),
            shape)

    def get_random_transformation(self, images, training=True):
        return None

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `transform_images` "
            "(abstract hook of the image preprocessing base class).")

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return masks

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        """`bounding_boxes` (dense, batched, in `bounding_box_format`) moved
        as `transform_images` moves the pixels under `transformation`."""
        if self._BOXES_UNCHANGED:
            return bounding_boxes
        raise ValueError(
            f"{type(self).__name__} does not support 'bounding_boxes' (nor "
            "does Keras 3): it moves pixels in a way no box can follow. "
            "Pass 'images', 'labels' and 'segmentation_masks' only.")

    def _moved_boxes(self, bounding_boxes, transformation, move,
                     frame="xyxy", clip_in_pixels=None, dtype="float32"):
        """`bounding_boxes` carried by `move`, a function of the
        `(batch, num_boxes, 4)` corners in `frame` (`"xyxy"` pixels or
        `"rel_xyxy"`), clipped to the image (boxes left empty get the label
        -1; in pixels unless `clip_in_pixels` is False, the default for
        relative frames) and returned in the layer's format."""
        height, width = self._image_size(transformation)
        boxes = box_utils.convert_format(
            bounding_boxes, self.bounding_box_format, frame, height, width,
            dtype=dtype)
        boxes["boxes"] = move(boxes["boxes"])
        if clip_in_pixels is None:
            clip_in_pixels = frame == "xyxy"
        if clip_in_pixels:
            boxes = box_utils.clip_to_image_size(boxes, height, width, "xyxy")
        else:
            boxes = box_utils.clip_to_image_size(
                boxes, bounding_box_format="rel_xyxy")
        return box_utils.convert_format(boxes, frame,
                                        self.bounding_box_format, height,
                                        width, dtype=dtype)

    def _image_size(self, transformation):
        """`(height, width)` of the images a transformation was drawn for
        (from its `"input_shape"`)."""
        shape = transformation["input_shape"]
        h_axis, w_axis = (-2, -1) if self.data_format == "channels_first" \
            else (-3, -2)
        return shape[h_axis], shape[w_axis]

    def call(self, data, training=True):
        training = bool(training)
        if isinstance(data, dict):
            return self._call_on_dict(data, training)
        images, unbatched = self._batched(data)
        transformation = self.get_random_transformation(images, training)
        outputs = self.transform_images(images, transformation, training)
        return outputs.squeeze(0) if unbatched else outputs

    def _batched(self, images):
        if not isinstance(images, torch.Tensor):
            images = torch.as_tensor(images, device=config.default_device())
        image_transform.check_image_rank(images, type(self).__name__)
        unbatched = images.ndim == 3
        return (images.unsqueeze(0) if unbatched else images), unbatched

    def _call_on_dict(self, data, training):
        if "images" not in data:
            raise ValueError(
                f"{type(self).__name__} expected a dict with an 'images' key. "
                f"Received keys: {sorted(data)}"
            )
        images, unbatched = self._batched(data["images"])
        transformation = self.get_random_transformation(images, training)
        outputs = dict(data)
        result = self.transform_images(images, transformation, training)
        outputs["images"] = result.squeeze(0) if unbatched else result
        if "bounding_boxes" in data:
            outputs["bounding_boxes"] = self._call_on_boxes(
                data["bounding_boxes"], images, unbatched, transformation,
                training)
        if "labels" in data:
            labels = torch.as_tensor(data["labels"], device=images.device)
            if not unbatched and (labels.ndim == 0 or
                                  labels.shape[0] != images.shape[0]):
                raise ValueError(
                    f"{type(self).__name__} expected `labels` with one entry "
                    f"per image: a leading axis of {images.shape[0]}. "
                    f"Received: labels.shape={tuple(labels.shape)}")
            labels = self.transform_labels(
                labels.unsqueeze(0) if unbatched else labels,
                transformation, training)
            outputs["labels"] = labels.squeeze(0) if unbatched else labels
        if "segmentation_masks" in data:
            masks, _ = self._batched(data["segmentation_masks"])
            self._check_masks(masks, images)
            masks = self.transform_segmentation_masks(
                masks, transformation, training)
            outputs["segmentation_masks"] = masks.squeeze(0) if unbatched \
                else masks
        return outputs

    def _check_masks(self, masks, images):
        """Masks are drawn on the images' grid: the transformation drawn
        for the images moves them only when batch and size agree."""
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        expected = (images.shape[0], images.shape[h_axis],
                    images.shape[w_axis])
        received = (masks.shape[0], masks.shape[h_axis], masks.shape[w_axis])
        if masks.ndim != images.ndim or received != expected:
            raise ValueError(
                f"{type(self).__name__} expected `segmentation_masks` of the "
                f"images' batch size, height and width {expected} "
                f"({self.data_format}). Received: segmentation_masks.shape="
                f"{tuple(masks.shape)} for images of shape "
                f"{tuple(images.shape)}")

    def _call_on_boxes(self, bounding_boxes, images, unbatched,
                       transformation, training):
        owner = type(self).__name__
        if not self.bounding_box_format:
            raise ValueError(
                "You passed an input with a 'bounding_boxes' key, but you "
                "didn't specify a bounding box format. Pass a "
                f"`bounding_box_format` argument to your {owner} layer, "
                "e.g. `bounding_box_format='xyxy'`.")
        boxes = densify_bounding_boxes(bounding_boxes,
                                       is_batched=not unbatched,
                                       device=images.device, owner=owner)
        expected = 2 if unbatched else 3
        if boxes["boxes"].ndim != expected:
            raise ValueError(
                f"{owner} expected `bounding_boxes['boxes']` of rank "
                f"{expected} for {'an image' if unbatched else 'a batch'}"
                f" of rank {expected + 1}. Received: shape="
                f"{tuple(boxes['boxes'].shape)}")
        if not unbatched and boxes["boxes"].shape[0] != images.shape[0]:
            raise ValueError(
                f"{owner} expected `bounding_boxes['boxes']` to hold the "
                f"boxes of each of the {images.shape[0]} images. Received: "
                f"shape={tuple(boxes['boxes'].shape)}")
        keys = ("boxes", "labels")
        if unbatched:
            boxes = {k: v.unsqueeze(0) if k in keys else v
                     for k, v in boxes.items()}
        boxes = self.transform_bounding_boxes(boxes, transformation,
                                              training)
        if unbatched:
            boxes = {k: v.squeeze(0) if k in keys else v
                     for k, v in boxes.items()}
        return boxes

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config_["bounding_box_format"] = self.bounding_box_format
        return config_


class BaseAffineLayer(BaseImagePreprocessingLayer):
    """Image layers that warp each image by a random affine transform."""

    def _set_affine_options(self, fill_mode, interpolation, fill_value,
                            seed):
        owner = type(self).__name__
        self.fill_mode = image_transform.check_choice(
            owner, "fill_mode", fill_mode, image_transform.AFFINE_FILL_MODES)
        self.interpolation = image_transform.check_choice(
            owner, "interpolation", interpolation,
            image_transform.AFFINE_INTERPOLATIONS)
        self.fill_value = fill_value
        self._make_generator(seed)

    def _transform_matrix(self, images, transformation):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `_transform_matrix` "
            "(abstract hook of the affine augmentation base class).")

    def _warp(self, images, transformation, interpolation):
        matrix = self._transform_matrix(images, transformation)
        return image_transform.affine_transform(
            images, matrix, interpolation=interpolation,
            fill_mode=self.fill_mode, fill_value=self.fill_value,
            data_format=self.data_format)

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        if not training or transformation is None:
            return masks
        dtype = masks.dtype
        warped = self._warp(masks.to(torch.float32), transformation,
                            "nearest")
        return warped.to(dtype)

    def _height_width(self, images):
        h_axis, w_axis = image_transform.spatial_axes(self.data_format)
        return images.shape[h_axis], images.shape[w_axis]


def check_size(owner, height, width):
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or \
                value <= 0:
            raise ValueError(
                f"Invalid value for argument `{name}` of {owner}. Expected a "
                f"positive integer. Received: {name}={value!r}"
            )


class BaseResizingLayer(BaseImagePreprocessingLayer):
    """Image layers whose output is `(height, width)` spatially."""

    def _window_boxes(self, bounding_boxes, image_size, window):
        """Boxes (in `bounding_box_format` on an image of `image_size`) in
        the frame of the output, which shows the `(top, left, height,
        width)` `window` of the input resized to the layer's size: cut to
        the window, scaled, clipped (boxes left empty get the label -1)."""
        height, width = image_size
        top, left, crop_h, crop_w = window
        boxes = box_utils.convert_format(
            bounding_boxes, self.bounding_box_format, "xyxy", height, width)
        x1, y1, x2, y2 = boxes["boxes"].unbind(-1)
        scale_x, scale_y = self.width / crop_w, self.height / crop_h

        def cut(values, start, size, scale):
            return (values.clamp(start, start + size) - start) * scale

        boxes["boxes"] = torch.stack([
            cut(x1, left, crop_w, scale_x), cut(y1, top, crop_h, scale_y),
            cut(x2, left, crop_w, scale_x), cut(y2, top, crop_h, scale_y)],
            -1)
        boxes = box_utils.clip_to_image_size(boxes, self.height, self.width,
                                             "xyxy")
        return box_utils.convert_format(boxes, "xyxy",
                                        self.bounding_box_format,
                                        self.height, self.width)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return {k: self.compute_output_shape(v) if k in (
                "images", "segmentation_masks") else v
                for k, v in input_shape.items()}
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} expected an input shape of rank 3 "
                f"or 4. Received: input_shape={tuple(input_shape)}"
            )
        h_axis, w_axis = image_transform.spatial_axes(self.data_format,
                                                       len(shape))
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)
