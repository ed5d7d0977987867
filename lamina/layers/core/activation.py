"""Activation: applies an activation function element-wise."""

from lamina import activations
from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: an activation name such as `"relu"` (looked up with
            `lamina.activations.get`) or any callable on tensors.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> layer = Activation("relu")
        >>> layer(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
