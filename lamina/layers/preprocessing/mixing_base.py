"""The shared base of MixUp and CutMix: layers that mix each sample with
another of the same batch, labels included."""

import torch

from lamina import random
from lamina import random_masks
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
        """The partner of each image. Under data parallelism the other
        processes' rows are out of reach: the generator draws the whole
        global batch's permutation (its state afterwards is one
        process's), and this process's rows pair up in the order that
        permutation gives their slice, a uniformly random permutation of
        them."""
        generator = self.generator.generator(device)
        shard = random_masks.row_shard(batch)
        if shard is None or shard.rows == shard.total_rows:
            return torch.randperm(batch, device=device, generator=generator)
        whole = torch.randperm(shard.total_rows, device=device,
                               generator=generator)
        return torch.argsort(whole.narrow(0, shard.first_row, batch))

    def _mix_weights(self, batch, alpha, device):
        """Beta(alpha, alpha) per image (this process's rows of the whole
        batch's draw under data parallelism)."""
        return random_masks.draw_rows(
            lambda shape: random.beta(shape, alpha, alpha,
                                      seed=self.generator),
            (batch,)).to(device)
