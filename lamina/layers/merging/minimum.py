"""Minimum: elementwise minimum of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.base_merge import merge_with_masks
from lamina.layers.registry import register


@register()
class Minimum(Merge):
    """Elementwise minimum of a list of inputs.

    Masked entries of one input take the value of the other operand, so
    they never win the comparison.

    Example:
        >>> Minimum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
        tensor([[1., 2.]])
    """

    def _merge_function(self, inputs, masks):
        return merge_with_masks(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`: `Minimum(**kwargs)(inputs)`.

    Args:
        inputs: a list of tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The elementwise minimum of the inputs.
    """
    return Minimum(**kwargs)(inputs)
