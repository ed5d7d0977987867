"""Multiply: elementwise product of a list of tensors."""

import torch

from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.base_merge import expand_mask
from lamina.layers.registry import register


@register()
class Multiply(Merge):
    """Multiplies a list of inputs elementwise.

    With masks, masked entries count as 1 in the product; when every input
    is masked, entries masked in all of them are 0 in the output.

    Example:
        >>> Multiply()([torch.full((2, 3), 2.0), torch.full((2, 3), 3.0)])[0]
        tensor([6., 6., 6.])
    """

    def _merge_function(self, inputs, masks):
        if all(m is None for m in masks):
            output = inputs[0]
            for x in inputs[1:]:
                output = output * x
            return output
        all_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = expand_mask(mask, x)
                x = torch.where(mask, x, torch.ones((), dtype=x.dtype,
                                                    device=x.device))
                if all_masked:
                    output_mask = mask if output_mask is None else \
                        torch.logical_or(output_mask, mask)
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, torch.zeros(
                (), dtype=output.dtype, device=output.device))
        return output


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: `Multiply(**kwargs)(inputs)`.

    Args:
        inputs: a list of tensors of compatible shapes.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The elementwise product of the inputs.
    """
    return Multiply(**kwargs)(inputs)
