"""Subtract: elementwise difference of exactly two tensors."""

from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.merging.base_merge import Merge
from lamina.layers.registry import register


@register()
class Subtract(Merge):
    """Subtracts two inputs elementwise: `inputs[0] - inputs[1]`.

    Example:
        >>> Subtract()([torch.ones(2, 3), torch.ones(2, 3)])[0]
        tensor([0., 0., 0.])
    """

    def _check_two(self, inputs, what):
        if len(inputs) != 2:
            raise ValueError(
                f"A `Subtract` layer ({describe(self)}) should be called on "
                f"exactly 2 inputs. Received {len(inputs)} inputs: {what}"
            )

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and input_shape and all(
                isinstance(s, (list, tuple)) for s in input_shape):
            self._check_two(input_shape, f"input_shape={input_shape}")
        super().build(input_shape)

    def _merge_function(self, inputs, masks):
        self._check_two(inputs, "shapes "
                        f"{[tuple(x.shape) for x in inputs]}")
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `Subtract(**kwargs)(inputs)`.

    Args:
        inputs: a list of exactly 2 tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        `inputs[0] - inputs[1]`.
    """
    return Subtract(**kwargs)(inputs)
