"""Merge: the base of the layers that combine a list of tensors elementwise.

Shapes follow Keras's `Merge`: the batch sizes must agree, the non-batch
shapes broadcast from the right, and an input of lower rank gets unit axes
inserted after the batch axis. The output mask is the OR of the input masks
(None as soon as one input has none).
"""

import torch

from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.layer import Layer


def check_shape_list(layer, input_shape, min_inputs=1):
    """Raises unless `input_shape` is a list of >= `min_inputs` shapes."""
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            not all(isinstance(s, (list, tuple)) for s in input_shape):
        raise ValueError(
            f"A merge layer ({describe(layer)}) should be called on a list "
            f"of inputs. Received: input_shape={input_shape} (not a list of "
            "shapes)"
        )
    if len(input_shape) < min_inputs:
        raise ValueError(
            f"A merge layer ({describe(layer)}) should be called on a list of "
            f"at least {min_inputs} inputs. Received {len(input_shape)} "
            f"inputs. Full input_shape received: {input_shape}"
        )
    return [tuple(s) for s in input_shape]


def expand_mask(mask, x):
    """`mask` with trailing unit axes so it broadcasts against `x`."""
    missing = x.dim() - mask.dim()
    if missing > 0:
        mask = mask.reshape(tuple(mask.shape) + (1,) * missing)
    return mask


def merge_with_masks(op, inputs, masks):
    """Folds `op` over `inputs`, letting masked entries take the other
    operand's value (Keras's rule for Maximum and Minimum, which have no
    neutral element)."""
    output, output_mask = None, None
    for x, mask in zip(inputs, masks):
        if mask is not None:
            mask = expand_mask(mask, x)
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = torch.where(mask, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        if mask is not None and output_mask is not None:
            output_mask = torch.logical_or(output_mask, mask)
        else:
            output_mask = None
        output = op(output, x)
    return output


class Merge(Layer):
    """Base class of the elementwise merge layers (`Add`, `Multiply`, ...).

    Subclasses implement `_merge_function(inputs, masks)` on a list of
    tensors of equal rank (`masks` holds one mask or None per input).

    Args:
        **kwargs: base layer arguments (`name`, `dtype`, ...).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs, masks):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `_merge_function`."
        )

    def build(self, input_shape):
        # Shape validation only: a merge has no weights.
        self.compute_output_shape(input_shape)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer ({describe(self)}) should be called on a list "
                f"of inputs. Received: inputs with shape "
                f"{tuple(getattr(inputs, 'shape', ()))} (not a list of "
                "tensors)"
            )
        if isinstance(mask, (list, tuple)) and len(mask) == len(inputs):
            masks = list(mask)
        else:
            masks = [None] * len(inputs)
        ranks = [x.dim() for x in inputs]
        max_rank = max(ranks)
        if min(ranks) != max_rank:
            inputs = list(inputs)
            for i, rank in enumerate(ranks):
                if rank < max_rank:
                    # Unit axes after the batch axis (a view). As in Keras,
                    # the expanded tensor no longer carries its mask.
                    inputs[i] = inputs[i][(slice(None),)
                                          + (None,) * (max_rank - rank)]
                    masks[i] = None
        return self._merge_function(inputs, masks)

    def _elementwise_shape(self, shape1, shape2):
        """Broadcast of two non-batch shapes, aligned from the right."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        output = list(shape1[: len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                output.append(None)
            elif i == 1 or j == 1:
                output.append(j if i == 1 else i)
            elif i != j:
                raise ValueError(
                    f"{describe(self)}: inputs have incompatible shapes. "
                    f"Received shapes {tuple(shape1)} and {tuple(shape2)}"
                )
            else:
                output.append(i)
        return tuple(output)

    def compute_output_shape(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{describe(self)} cannot merge tensors with different batch "
                f"sizes. Received tensors with shapes {shapes}"
            )
        output = shapes[0][1:]
        for shape in shapes[1:]:
            output = self._elementwise_shape(output, shape[1:])
        batch = batch_sizes.pop() if batch_sizes else None
        return (batch,) + output

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(
                f"{describe(self)}: `mask` should be a list. Received: "
                f"mask={mask}"
            )
        if len(mask) != len(inputs):
            raise ValueError(
                f"{describe(self)}: the lists `inputs` and `mask` should have "
                f"the same length. Received {len(inputs)} inputs and "
                f"{len(mask)} masks."
            )
        if any(m is None for m in mask):
            return None
        output_mask = mask[0]
        for m in mask[1:]:
            output_mask = torch.logical_or(output_mask, m)
        return output_mask

    def get_config(self):
        return super().get_config()
