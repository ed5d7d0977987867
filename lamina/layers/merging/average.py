"""Average: elementwise mean of a list of tensors."""

from lamina.layers.merging.base_merge import Merge
from lamina.layers.registry import register


@register()
class Average(Merge):
    """Averages a list of inputs elementwise.

    Example:
        >>> Average()([torch.ones(2, 3), torch.full((2, 3), 3.0)])[0]
        tensor([2., 2., 2.])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`: `Average(**kwargs)(inputs)`.

    Args:
        inputs: a list of tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The elementwise mean of the inputs.
    """
    return Average(**kwargs)(inputs)
