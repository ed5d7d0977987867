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
        return {"chain_mixing_weights": gammas / gammas.sum(),
                "weight_sample": weight, "chains": picks.tolist()}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        chain_weights = transformation["chain_mixing_weights"].to(
            images.dtype).tolist()
        mixed = torch.zeros_like(images)
        for chain, chain_weight in zip(transformation["chains"],
                                       chain_weights):
            augmented = images
            for pick in chain:
                if pick < len(self._augmenters):
                    augmented = self._to_compute_dtype(augmentation_ops.apply(
                        self._augmenters[pick], augmented))
            mixed = mixed + augmented * chain_weight
        weight = float(transformation["weight_sample"])
        images = weight * images + (1 - weight) * mixed
        return images.clamp(self.value_range[0], self.value_range[1])

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
