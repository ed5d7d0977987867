"""Permute: reorders the non-batch axes."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor


@register()
class Permute(Layer):
    """Permutes the non-batch axes of the input, e.g. to swap time and
    features.

    Args:
        dims: tuple of ints, a permutation of `1..rank-1` (1-indexed: the
            batch axis 0 is never moved). `(2, 1)` swaps the first two
            non-batch axes.

    Input shape:
        `(batch, *dims_in)` with `len(dims_in) == len(dims)`.

    Output shape:
        `(batch, *[dims_in[d - 1] for d in dims])`.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer: "
                f"expected a tuple of ints. Received: dims={dims}"
            ) from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The "
                "set of indices in `dims` must be consecutive and start from "
                f"1. Received dims={dims}"
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
