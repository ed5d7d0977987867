"""The shared base of image preprocessing layers.

A layer draws one random transformation per call for the whole batch
(`get_random_transformation`) and applies it (`transform_images`). Inputs
are a single image (rank 3) or a batch (rank 4), in `data_format`; a dict
with `"images"` plus optional `"labels"` (passed through) and
`"segmentation_masks"` (warped like the images, with nearest
interpolation, by geometric layers) is also accepted, as in Keras.

As in Keras, `call` takes `training=True` by default: calling a random
layer directly augments, while `fit` augments and `evaluate`/`predict`
(which pass `training=False`) do not.
"""

import random as python_random

import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.utils import image_transform
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


class BaseImagePreprocessingLayer(Layer):
    """Image layers: one transformation per batch, channels-last or -first.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)

    def _make_generator(self, seed):
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _to_compute_dtype(self, images):
        return images.to(self.dtype_policy.torch_compute_dtype)

    def _uniform(self, shape, low, high, device):
        """Samples U[low, high) with the layer's seeded generator."""
        generator = self.generator.generator(device)
        sample = torch.rand(shape, generator=generator, device=device)
        return sample * (high - low) + low

    def get_random_transformation(self, images, training=True):
        return None

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `transform_images` "
            "(abstract hook of the image preprocessing base class).")

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return masks

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
        if "bounding_boxes" in data:
            raise ValueError(
                f"{type(self).__name__} does not transform 'bounding_boxes' "
                "yet; pass 'images', 'labels' and 'segmentation_masks' only."
            )
        images, unbatched = self._batched(data["images"])
        transformation = self.get_random_transformation(images, training)
        outputs = dict(data)
        result = self.transform_images(images, transformation, training)
        outputs["images"] = result.squeeze(0) if unbatched else result
        if "segmentation_masks" in data:
            masks, _ = self._batched(data["segmentation_masks"])
            masks = self.transform_segmentation_masks(
                masks, transformation, training)
            outputs["segmentation_masks"] = masks.squeeze(0) if unbatched \
                else masks
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
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
