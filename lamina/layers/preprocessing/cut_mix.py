"""CutMix: pastes a random box of another sample into each image and mixes
the labels by area (Yun et al., 2019)."""

import torch

from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing.mixing_base import BaseMixingLayer
from lamina.layers.registry import register
from lamina.utils.image_transform import spatial_axes


@register()
class CutMix(BaseMixingLayer):
    """Replaces a box of each image by the same box of another image of
    the batch (a random permutation), as Keras does: `alpha` is uniform in
    `factor` (plus 1e-6), `w ~ Beta(alpha, alpha)` per image, the box has
    sides `sqrt(1 - w)` times the image's and a uniform position; labels
    mix by the share of the image each source keeps.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair: the
            range of the Beta concentration. Defaults to 1.0.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`.

    Bounding boxes are refused with a ValueError, as Keras 3 refuses them
    (a pasted patch cuts boxes in ways no box list can describe).
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("CutMix", factor, bounds=(0, 1))
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training or images.ndim != 4:
            return None
        device = images.device
        batch = images.shape[0]
        h_axis, w_axis = spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        alpha = float(self._uniform((), self.factor[0], self.factor[1],
                                    device)) + 1e-6
        weight = self._mix_weights(batch, alpha, device)
        ratio = torch.sqrt(1.0 - weight)
        x0, x1 = self._crop_bounds(batch, width, ratio, device)
        y0, y1 = self._crop_bounds(batch, height, ratio, device)
        grid_y = torch.arange(height, device=device, dtype=torch.float32)
        grid_x = torch.arange(width, device=device, dtype=torch.float32)
        inside_y = (grid_y >= y0[:, None]) & (grid_y < y1[:, None])
        inside_x = (grid_x >= x0[:, None]) & (grid_x < x1[:, None])
        masks = inside_y[:, :, None] & inside_x[:, None, :]  # (B, H, W)
        masks = masks[..., None] if self.data_format == "channels_last" \
            else masks[:, None]
        mix_weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        return {"permutation_order": self._permutation(batch, device),
                "batch_masks": masks, "mix_weight": mix_weight}

    def _crop_bounds(self, batch, length, ratio, device):
        crop = ratio * length
        start = self._uniform((batch,), 0.0, 1.0, device) * (length - crop)
        return start, start + crop

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        others = images[transformation["permutation_order"]]
        return torch.where(transformation["batch_masks"], others, images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        if not labels.is_floating_point():
            labels = labels.to(self.dtype_policy.torch_compute_dtype)
        weight = transformation["mix_weight"].to(labels.dtype)
        weight = weight.view(-1, *([1] * (labels.ndim - 1)))
        others = labels[transformation["permutation_order"]]
        return weight * labels + (1.0 - weight) * others

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        return self.transform_images(masks, transformation, training)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
