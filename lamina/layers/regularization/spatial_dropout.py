"""SpatialDropout1D/2D/3D: drop whole feature maps instead of elements."""

import torch

from lamina import config
from lamina import random_masks
from lamina.layers.input_spec import InputSpec
from lamina.layers.registry import register
from lamina.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout with one keep/drop draw per (example, channel).

    Neighbouring elements of a feature map are strongly correlated, so
    element-wise dropout barely regularizes them; dropping entire channels
    does. Kept channels are scaled by `1 / (1 - rate)`. Only active in
    training.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: optional int making the sequence of masks reproducible.
    """

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self._channel_axis = -1

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return torch.zeros_like(inputs)
        mask = random_masks.keep_mask(self._noise_shape(inputs), self.rate,
                                      self.seed_generator, inputs.device)
        # Dropped non-finite inputs become 0, as with Keras's `where`.
        return random_masks.apply_keep_mask(inputs, mask,
                                            1.0 / (1.0 - self.rate))

    def _noise_shape(self, inputs):
        """The batch and channel sizes, 1 along the spatial axes."""
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        shape[self._channel_axis] = inputs.shape[self._channel_axis]
        return shape

    def get_config(self):
        # Keras writes only these keys (and `dtype` as a plain string).
        return {
            "rate": self.rate,
            "seed": self.seed,
            "name": self.name,
            "dtype": self.dtype,
        }


@register()
class SpatialDropout1D(BaseSpatialDropout):
    """Spatial dropout for `(batch, steps, channels)` inputs.

    Drops entire channels: one draw per (example, channel), shared by all
    steps.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: optional int making the sequence of masks reproducible.

    Call arguments:
        inputs: a 3D tensor `(batch, steps, channels)`.
        training: whether to drop (resolved by the engine; default False).

    Example:
        >>> layer = SpatialDropout1D(0.5, seed=1)
        >>> y = layer(torch.ones(2, 10, 4), training=True)
    """

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.input_spec = InputSpec(ndim=3)


class _SpatialDropoutND(BaseSpatialDropout):
    """Spatial dropout over `spatial_rank` spatial axes and a channel axis
    placed by `data_format`."""

    spatial_rank = None

    def __init__(self, rate, data_format=None, seed=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.spatial_rank + 2)
        if self.data_format == "channels_first":
            self._channel_axis = 1

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


@register()
class SpatialDropout2D(_SpatialDropoutND):
    """Spatial dropout for 4D image-like inputs.

    Drops entire feature maps: one draw per (example, channel), shared by
    all pixels.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (`(batch, rows, cols, channels)`) or
            "channels_first" (`(batch, channels, rows, cols)`); None means
            `lamina.config.image_data_format()`.
        seed: optional int making the sequence of masks reproducible.

    Call arguments:
        inputs: a 4D tensor.
        training: whether to drop (resolved by the engine; default False).

    Example:
        >>> layer = SpatialDropout2D(0.5, seed=1)
        >>> y = layer(torch.ones(2, 8, 8, 4), training=True)
    """

    spatial_rank = 2


@register()
class SpatialDropout3D(_SpatialDropoutND):
    """Spatial dropout for 5D volumetric inputs.

    Drops entire feature volumes: one draw per (example, channel), shared by
    all voxels.

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (`(batch, d1, d2, d3, channels)`) or
            "channels_first" (`(batch, channels, d1, d2, d3)`); None means
            `lamina.config.image_data_format()`.
        seed: optional int making the sequence of masks reproducible.

    Call arguments:
        inputs: a 5D tensor.
        training: whether to drop (resolved by the engine; default False).

    Example:
        >>> layer = SpatialDropout3D(0.5, seed=1)
        >>> y = layer(torch.ones(2, 4, 4, 4, 3), training=True)
    """

    spatial_rank = 3
