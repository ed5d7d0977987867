"""Concatenate: joins a list of tensors along one axis."""

import torch

from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.merging.base_merge import Merge
from lamina.layers.merging.base_merge import check_shape_list
from lamina.layers.registry import register


@register()
class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`.

    All inputs must have the same rank and the same shape except along
    `axis`. Masks are concatenated too: an unmasked input counts as all
    kept, and the output mask is reduced over the last axis as in Keras.

    Args:
        axis: the concatenation axis. Defaults to -1.

    Example:
        >>> x, y = torch.zeros(2, 2, 5), torch.ones(2, 1, 5)
        >>> Concatenate(axis=1)([x, y]).shape
        torch.Size([2, 3, 5])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise self._mismatch(input_shape)
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Invalid value for argument `axis` of {describe(self)}. "
                f"Expected an int in [{-rank}, {rank}) for inputs of rank "
                f"{rank}. Received: axis={self.axis}"
            )
        axis = self.axis % rank
        for dim in range(rank):
            known = {s[dim] for s in shapes if s[dim] is not None}
            if dim != axis and len(known) > 1:
                raise self._mismatch(input_shape)

    def _mismatch(self, input_shape):
        return ValueError(
            f"A `Concatenate` layer ({describe(self)}) requires inputs with "
            "matching shapes except for the concatenation axis "
            f"(axis={self.axis}). Received: input_shape={input_shape}"
        )

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A `Concatenate` layer ({describe(self)}) should be called "
                "on a list of inputs. Received a single tensor of shape "
                f"{tuple(getattr(inputs, 'shape', ()))}"
            )
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        output = list(shapes[0])
        for shape in shapes[1:]:
            if output[self.axis] is None or shape[self.axis] is None:
                output[self.axis] = None
                break
            output[self.axis] += shape[self.axis]
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"{describe(self)}: `mask` should be a list with one entry "
                f"per input ({len(inputs)}). Received: mask={mask}"
            )
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = torch.ones((), dtype=torch.bool, device=x.device)
                m = m.expand(x.shape)
            elif m.dim() < x.dim():
                m = m.unsqueeze(-1).expand(x.shape)
            full.append(m)
        return torch.cat(full, dim=self.axis).any(dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `Concatenate(axis)(inputs)`.

    Args:
        inputs: a list of tensors with equal shapes except along `axis`.
        axis: the concatenation axis. Defaults to -1.
        **kwargs: layer arguments (`name`, `dtype`, ...).

    Returns:
        The inputs concatenated along `axis`.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
