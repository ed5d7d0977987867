"""LeakyReLU layer: `x` for `x >= 0`, `negative_slope * x` below."""

import warnings

from lamina import activations
from lamina.layers.activations.relu import check_non_negative
from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class LeakyReLU(Layer):
    """Leaky version of the rectified linear unit.

    Args:
        negative_slope: float >= 0, the slope for negative inputs.
            Defaults to 0.3. Keras 2's `alpha=` is accepted with a
            deprecation warning.

    Example:
        >>> LeakyReLU(negative_slope=0.5)(torch.tensor([-2.0, 3.0]))
        tensor([-1.,  3.])
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` is deprecated. Use `negative_slope` "
                "instead.", stacklevel=2,
            )
        super().__init__(**kwargs)
        self.negative_slope = check_non_negative(self, "negative_slope",
                                                 negative_slope)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs,
                                      negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
