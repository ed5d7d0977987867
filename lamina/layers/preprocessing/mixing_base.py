"""The shared base of MixUp and CutMix: layers that mix each sample with
another of the same batch, labels included."""

import torch

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)


class BaseMixingLayer(BaseImagePreprocessingLayer):
    """Takes images, or a dict with `"images"` and optional `"labels"`
    (one-hot or soft, mixed with the images' weights) and
    `"segmentation_masks"`. Subclasses draw the transformation and define
    `transform_images`, `transform_labels` and
    `transform_segmentation_masks`."""

    def call(self, data, training=True):
        training = bool(training)
        if not isinstance(data, dict):
            images, unbatched = self._batched(data)
            transformation = self.get_random_transformation(images, training)
            outputs = self.transform_images(images, transformation, training)
            return outputs.squeeze(0) if unbatched else outputs
        unknown = set(data) - {"images", "labels", "segmentation_masks"}
        if "images" not in data or unknown:
            raise ValueError(
                f"{type(self).__name__} expected a dict with an 'images' key "
                "and optional 'labels' and 'segmentation_masks'. Received "
                f"keys: {sorted(data)}")
        images, unbatched = self._batched(data["images"])
        transformation = self.get_random_transformation(images, training)
        outputs = dict(data)
        result = self.transform_images(images, transformation, training)
        outputs["images"] = result.squeeze(0) if unbatched else result
        if "labels" in data:
            labels = torch.as_tensor(data["labels"], device=images.device)
            outputs["labels"] = self.transform_labels(
                labels, transformation, training)
        if "segmentation_masks" in data:
            masks, _ = self._batched(data["segmentation_masks"])
            masks = self.transform_segmentation_masks(
                masks, transformation, training)
            outputs["segmentation_masks"] = masks.squeeze(0) if unbatched \
                else masks
        return outputs

    def _permutation(self, batch, device):
        return torch.randperm(batch, device=device,
                              generator=self.generator.generator(device))
