"""ELU layer: exponential linear unit."""

from lamina import activations
from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class ELU(Layer):
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)`
    otherwise.

    Args:
        alpha: float, the scale of the negative part. Defaults to 1.0.

    Example:
        >>> ELU()(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
