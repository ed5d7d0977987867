"""ActivityRegularization: an identity layer that penalizes its outputs."""

from lamina import regularizers
from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class ActivityRegularization(Layer):
    """Returns its inputs unchanged and adds an L1/L2 activity penalty.

    Each call adds `l1 * sum(|x|) + l2 * sum(x ** 2)` (through the layer's
    `activity_regularizer`) to `layer.losses`, which training adds to the
    loss.

    Args:
        l1: non-negative float, the L1 factor.
        l2: non-negative float, the L2 factor.

    Example:
        >>> layer = ActivityRegularization(l1=0.01)
        >>> y = layer(torch.ones(2, 3))  # layer.losses holds the penalty
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(
            activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
