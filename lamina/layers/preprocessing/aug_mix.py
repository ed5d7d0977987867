"""AugMix: a convex mix of several randomly augmented copies of each
batch, blended back with the original (Hendrycks et al., 2020)."""

import torch

from lamina import random
from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.preprocessing import augmentation_ops
from lamina.layers.registry import register

_OPS = ("random_shear", "random_translation", "random_rotation",
        "random_posterization", "solarization", "auto_contrast",
        "equalization")
_OPS_ALL = _OPS + ("random_brightness", "random_color_degeneration",
                   "random_contrast", "random_sharpness")


@register()
class AugMix(BaseImagePreprocessingLayer):
    """Makes `num_chains` augmented copies of the batch, each through up to
    `chain_depth` augmentations (each step picks one of the operations or
    none), mixes them with Dirichlet(`alpha`) weights, then blends the mix
    with the input by a Beta(`alpha`, `alpha`) weight and clips to
    `value_range`. As in Keras the weights and the picked operations are
    drawn per batch; each operation draws its own per-image parameters.

    Args:
        value_range: `(min, max)` of the pixel values. Defaults to
            `(0, 255)`.
        num_chains: augmented copies mixed. Defaults to 3.
        chain_depth: operations per chain at most. Defaults to 3.
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair: the
            strength of the operations.
        alpha: the Dirichlet and Beta concentration.
        all_ops: include brightness, color degeneration, contrast and
            sharpness (which overlap common test corruptions).
        interpolation: `"bilinear"` or `"nearest"`, for the geometric ones.
        seed: integer seed of the random generators.
        data_format: `"channels_last"` or `"channels_first"`.
    """

    # Bounding boxes pass through, as in Keras: the mixed copies' geometric
    # operations are not followed.
    _BOXES_UNCHANGED = True

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3,
                 factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for name, value in (("num_chains", num_chains),
                            ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < 1:
                raise ValueError(
                    f"Invalid value for argument `{name}` of AugMix. "
                    f"Expected a positive int. Received: {name}={value!r}")
        if not alpha > 0:
            raise ValueError(
                "Invalid value for argument `alpha` of AugMix. Expected a "
                f"positive number. Received: alpha={alpha!r}")
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.factor = parse_factor("AugMix", factor, bounds=(0, 1))
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self._make_generator(seed)
        self._augmenters = augmentation_ops.build_augmentations(
            _OPS_ALL if all_ops else _OPS, self.factor, value_range,
            interpolation, seed, self.data_format)
        self.built = True

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        gammas = random.gamma((self.num_chains,), self.alpha,
                              seed=self.generator)
        weight = random.beta((), self.alpha, self.alpha, seed=self.generator)
        # One pick per step among the operations and "none".
        picks = torch.randint(0, len(self._augmenters) + 1,
                              (self.num_chains, self.chain_depth),
                              generator=self.generator.generator("cpu"))
        chains = picks.tolist()
        # Each step's own draw (None for "none"), shared by the images and
        # the masks.
        steps = [[(pick, self._augmenters[pick].get_random_transformation(
            images, training=True)) if pick < len(self._augmenters)
            else None for pick in chain] for chain in chains]
        return {"chain_mixing_weights": gammas / gammas.sum(),
                "weight_sample": weight, "chains": chains,
                "chain_transforms": steps}

    def _chain_steps(self, images, transformation, index):
        """`(layer, drawn)` for each operation of chain `index`; a step
        whose pick comes without its draw draws now."""
        steps = transformation.get("chain_transforms")
        for depth, pick in enumerate(transformation["chains"][index]):
            if pick >= len(self._augmenters):
                continue
            layer = self._augmenters[pick]
            stored = steps[index][depth] if steps is not None else None
            if stored is not None and stored[0] == pick:
                yield layer, stored[1]
            else:
                yield layer, layer.get_random_transformation(
                    images, training=True)

    def _mix_chains(self, values, transformation, apply):
        chain_weights = transformation["chain_mixing_weights"].to(
            values.dtype).tolist()
        mixed = torch.zeros_like(values)
        for index, chain_weight in enumerate(chain_weights):
            augmented = values
            for layer, drawn in self._chain_steps(values, transformation,
                                                  index):
                augmented = apply(layer, augmented, drawn)
            mixed = mixed + augmented * chain_weight
        weight = float(transformation["weight_sample"])
        return weight * values + (1 - weight) * mixed

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        images = self._mix_chains(
            images, transformation,
            lambda layer, values, drawn: self._to_compute_dtype(
                layer.transform_images(values, drawn, training=True)))
        return images.clamp(self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        """Masks go through the chains with the images' draws and are
        mixed with the same weights, as in Keras (so they come out as
        floats)."""
        if not training or transformation is None:
            return masks
        return self._mix_chains(
            self._to_compute_dtype(masks), transformation,
            lambda layer, values, drawn: layer.transform_segmentation_masks(
                values, drawn, training=True).to(values.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth,
                       "factor": self.factor, "alpha": self.alpha,
                       "all_ops": self.all_ops,
                       "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
