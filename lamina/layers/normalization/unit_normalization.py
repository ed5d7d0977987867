"""UnitNormalization: scales each example to unit L2 norm over `axis`."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register

# Norms below this are treated as this value, so zero vectors stay zero.
_MIN_NORM = 1e-12


@register()
class UnitNormalization(Layer):
    """Divides each example by its L2 norm over `axis`.

    Vectors of norm below 1e-12 are divided by 1e-12 instead, so all-zero
    vectors map to zero. The layer has no weights.

    Args:
        axis: int or list of ints, the axes whose values form one vector.

    Example:
        >>> layer = UnitNormalization()
        >>> y = layer(torch.tensor([[3.0, 4.0]]))  # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = utils.validate_axis_argument(self, axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.dim() else inputs.unsqueeze(0)
        dims = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        try:
            # vector_norm has a zero (not NaN) gradient at zero vectors.
            norm = torch.linalg.vector_norm(x, ord=2, dim=dims, keepdim=True)
        except IndexError:
            utils.resolve_axes(self, self.axis, x.shape)  # raises, clearly
            raise
        return x / norm.clamp_min(_MIN_NORM)

    def compute_output_shape(self, input_shape):
        utils.resolve_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
