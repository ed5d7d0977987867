"""RepeatVector: repeats a vector `n` times along a new time axis."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: `(batch, n, features)`.

    Args:
        n: positive int, the number of repetitions.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(
                f"Expected an integer value for `n`, got {type(n)}."
            )
        if n <= 0:
            raise ValueError(
                f"Argument `n` should be a positive integer. Received: n={n}"
            )
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        # An expanded view: no copy until a later op needs one.
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
