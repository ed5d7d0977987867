"""MixUp: convex combinations of pairs of samples and their labels
(Zhang et al., 2018)."""

import torch

from lamina.layers.preprocessing.mixing_base import BaseMixingLayer
from lamina.layers.registry import register


@register()
class MixUp(BaseMixingLayer):
    """Mixes each image with another of the batch (a random permutation):
    `w * x + (1 - w) * x[perm]`, `w ~ Beta(alpha, alpha)` per sample; with
    a dict input, `"labels"` (one-hot or soft) and `"segmentation_masks"`
    are mixed with the same weights.

    Args:
        alpha: the Beta distribution's concentration. Defaults to 0.2.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: integer seed of the layer's random generator.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs. As in Keras, each image's boxes are followed by those of
            the image it is mixed with (`(batch, 2 * num_boxes, 4)`), and
            so are their labels (Keras 3.15 joins the labels along the
            batch axis instead, which no longer lines up with the boxes).

    Example:

    >>> mixed = MixUp(seed=0)({"images": images, "labels": one_hot})
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) \
                or alpha <= 0:
            raise ValueError(
                "Invalid value for argument `alpha` of MixUp. Expected a "
                f"positive number. Received: alpha={alpha!r}")
        self.alpha = alpha
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch = images.shape[0]
        permutation = self._permutation(batch, images.device)
        weight = self._mix_weights(batch, self.alpha, images.device)
        return {"mix_weight": weight, "permutation_order": permutation}

    def _mix(self, values, transformation):
        weight = transformation["mix_weight"].to(values.dtype)
        weight = weight.view(-1, *([1] * (values.ndim - 1)))
        others = values[transformation["permutation_order"]]
        return weight * values + (1.0 - weight) * others

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        return self._mix(self._to_compute_dtype(images), transformation)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        return self._mix(labels.to(self.dtype_policy.torch_compute_dtype)
                         if not labels.is_floating_point() else labels,
                         transformation)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        if not training or transformation is None:
            return masks
        return self._mix(masks.float() if not masks.is_floating_point()
                         else masks, transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        if not training or transformation is None:
            return bounding_boxes
        order = transformation["permutation_order"].to(
            bounding_boxes["boxes"].device)
        return {key: torch.cat([bounding_boxes[key],
                                bounding_boxes[key][order]], dim=1)
                for key in ("boxes", "labels")}

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
