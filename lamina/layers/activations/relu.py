"""ReLU layer: rectified linear unit with optional cap, slope and threshold."""

from lamina import activations
from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.layer import Layer
from lamina.layers.registry import register


def check_non_negative(layer, name, value, allow_none=False):
    """Raises unless `value` is a number >= 0 (or None when allowed)."""
    if value is None and allow_none:
        return value
    if value is None or isinstance(value, bool) or not isinstance(
            value, (int, float)) or value < 0:
        none = " or None" if allow_none else ""
        raise ValueError(
            f"Invalid value for argument `{name}` of {describe(layer)}. "
            f"Expected a number >= 0{none}. Received: {name}={value!r}"
        )
    return value


@register()
class ReLU(Layer):
    """Rectified linear unit activation layer.

    `f(x) = max_value` for `x >= max_value`, `x` for
    `threshold <= x < max_value`, and `negative_slope * (x - threshold)`
    otherwise.

    Args:
        max_value: float >= 0, the largest output value; None (default)
            means unbounded.
        negative_slope: float >= 0, the slope below the threshold.
            Defaults to 0.
        threshold: float >= 0, the value from which inputs pass through.
            Defaults to 0.

    Example:
        >>> ReLU(max_value=1.0)(torch.tensor([-1.0, 0.5, 2.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.max_value = check_non_negative(self, "max_value", max_value,
                                            allow_none=True)
        self.negative_slope = check_non_negative(self, "negative_slope",
                                                 negative_slope)
        self.threshold = check_non_negative(self, "threshold", threshold)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value,
                       "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
