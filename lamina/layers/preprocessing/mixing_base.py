"""The shared base of MixUp and CutMix: layers that mix each sample with
another of the same batch, labels included."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)


class BaseMixingLayer(BaseImagePreprocessingLayer):
    """Takes images, or a dict with `"images"` and optional `"labels"`
    (one-hot or soft, mixed with the images' weights),
    `"segmentation_masks"` and `"bounding_boxes"` (where the subclass
    supports them). Subclasses draw the transformation and define
    `transform_images`, `transform_labels`,
    `transform_segmentation_masks` and `transform_bounding_boxes`."""

    def call(self, data, training=True):
        if isinstance(data, dict):
            known = {"images", "labels", "segmentation_masks",
                     "bounding_boxes"}
            if "images" not in data or set(data) - known:
                raise ValueError(
                    f"{type(self).__name__} expected a dict with an "
                    "'images' key and optional 'labels', "
                    "'segmentation_masks' and 'bounding_boxes'. Received "
                    f"keys: {sorted(data)}")
        return super().call(data, training)

    def _permutation(self, batch, device):
        return torch.randperm(batch, device=device,
                              generator=self.generator.generator(device))
