"""Add: elementwise sum of a list of tensors."""

from lamina.layers.merging.base_merge import Merge
from lamina.layers.registry import register


@register()
class Add(Merge):
    """Adds a list of inputs elementwise.

    Takes a list of tensors of broadcast-compatible shapes (usually equal)
    and returns their sum, with the broadcast shape.

    Example:
        >>> x1, x2 = torch.ones(2, 3), torch.full((2, 3), 2.0)
        >>> Add()([x1, x2])[0]
        tensor([3., 3., 3.])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


def add(inputs, **kwargs):
    """Functional form of `Add`: `Add(**kwargs)(inputs)`.

    Args:
        inputs: a list of tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The elementwise sum of the inputs.
    """
    return Add(**kwargs)(inputs)
