"""Maximum: elementwise maximum of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.base_merge import merge_with_masks
from lamina.layers.registry import register


@register()
class Maximum(Merge):
    """Elementwise maximum of a list of inputs.

    Masked entries of one input take the value of the other operand, so
    they never win the comparison.

    Example:
        >>> Maximum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
        tensor([[3., 5.]])
    """

    def _merge_function(self, inputs, masks):
        return merge_with_masks(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`: `Maximum(**kwargs)(inputs)`.

    Args:
        inputs: a list of tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The elementwise maximum of the inputs.
    """
    return Maximum(**kwargs)(inputs)
