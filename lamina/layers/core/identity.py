"""Identity: returns its inputs unchanged; a placeholder in architectures."""

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor
from lamina.utils import tree


@register()
class Identity(Layer):
    """Returns its inputs unchanged (any structure of tensors).

    Useful as a no-op stand-in, e.g. to switch a block off without changing
    a model's topology. Masks pass through.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        # Overridden so the base config is used as is: Identity has no
        # arguments of its own.
        return super().get_config()

    def compute_output_spec(self, inputs):
        # Keeps each input's dtype (an int input stays int).
        return tree.map_structure(
            lambda x: KerasTensor(x.shape, x.dtype), inputs
        )
