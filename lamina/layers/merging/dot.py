"""Dot: batchwise dot product of two tensors along given axes."""

import math

import torch

from lamina.config import epsilon
from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.merging.base_merge import Merge
from lamina.layers.registry import register


def batch_dot(x, y, axes):
    """Per-sample dot product of `x` and `y`, contracting `x`'s axis
    `axes[0]` with `y`'s axis `axes[1]` (both > 0, non-negative).

    The output keeps `x`'s other non-batch axes then `y`'s, and has at least
    rank 2 (a scalar per sample becomes `(batch, 1)`).
    """
    x = torch.movedim(x, axes[0], -1)
    y = torch.movedim(y, axes[1], 1)
    batch, depth = x.shape[0], x.shape[-1]
    x_rest, y_rest = tuple(x.shape[1:-1]), tuple(y.shape[2:])
    out = torch.matmul(x.reshape(batch, math.prod(x_rest), depth),
                       y.reshape(batch, depth, math.prod(y_rest)))
    out = out.reshape((batch,) + x_rest + y_rest)
    return out if out.dim() > 1 else out.unsqueeze(1)


def l2_normalize(x, axis):
    """Keras's L2 normalization: `x * min(rsqrt(sum(x**2)), 1 / epsilon)`."""
    inv_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / epsilon())


@register()
class Dot(Merge):
    """Dot product of the samples of two tensors along the given axes.

    For inputs of shapes `(batch, 3, 5)` and `(batch, 10, 3)` and
    `axes=(1, 2)`, the output has shape `(batch, 5, 10)`.

    Args:
        axes: int or tuple of 2 ints: the axis to contract in each input
            (one int means the same axis for both). The batch axis 0 cannot
            be contracted.
        normalize: whether to L2-normalize both inputs along their contracted
            axis first, which makes the output the cosine similarity.
            Defaults to False.

    Example:
        >>> x = torch.arange(10.0).reshape(1, 5, 2)
        >>> y = torch.arange(10.0, 20.0).reshape(1, 2, 5)
        >>> Dot(axes=(1, 2))([x, y]).shape
        torch.Size([1, 2, 2])
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes` of {describe(self)}. "
                    "Expected an int or a tuple of 2 ints. Received: "
                    f"axes={axes!r}"
                )
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(
                    f"Invalid value for argument `axes` of {describe(self)}. "
                    f"Expected an int or a tuple of 2 ints. Received: "
                    f"axes={axes!r}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolve_axes(self, shape1, shape2):
        """Non-negative contraction axes for inputs of these shapes."""
        pairs = [self.axes] * 2 if isinstance(self.axes, int) else self.axes
        resolved = []
        for axis, shape in zip(pairs, (shape1, shape2)):
            rank = len(shape)
            if not -rank <= axis < rank or axis % rank == 0:
                raise ValueError(
                    f"Invalid value for argument `axes` of {describe(self)}: "
                    f"axis {axis} is the batch axis or out of range for an "
                    f"input of shape {tuple(shape)}. Received: "
                    f"axes={self.axes}"
                )
            resolved.append(axis % rank)
        return resolved

    def _check_pair(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or \
                len(input_shape) != 2 or not all(
                    isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"A `Dot` layer ({describe(self)}) should be called on a list "
                f"of 2 inputs. Received: input_shape={input_shape}"
            )
        return tuple(input_shape[0]), tuple(input_shape[1])

    def build(self, input_shape):
        shape1, shape2 = self._check_pair(input_shape)
        a1, a2 = self._resolve_axes(shape1, shape2)
        if None not in (shape1[a1], shape2[a2]) and shape1[a1] != shape2[a2]:
            raise ValueError(
                f"{describe(self)}: incompatible input shapes: axis values "
                f"{shape1[a1]} (at axis {a1}) != {shape2[a2]} (at axis "
                f"{a2}). Full input shapes: {shape1}, {shape2}"
            )

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            count = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ValueError(
                f"A `Dot` layer ({describe(self)}) should be called on "
                f"exactly 2 inputs. Received {count} inputs."
            )
        x1, x2 = inputs
        axes = self._resolve_axes(x1.shape, x2.shape)
        if self.normalize:
            x1 = l2_normalize(x1, axes[0])
            x2 = l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        shape1, shape2 = self._check_pair(input_shape)
        a1, a2 = self._resolve_axes(shape1, shape2)
        output = [d for i, d in enumerate(shape1) if i != a1] + [
            d for i, d in enumerate(shape2) if i not in (0, a2)]
        if len(output) == 1:
            output.append(1)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: `Dot(axes, **kwargs)(inputs)`.

    Args:
        inputs: a list of 2 tensors.
        axes: int or tuple of 2 ints, the contracted axes. Defaults to -1.
        **kwargs: `normalize` and the layer arguments (`name`, ...).

    Returns:
        The batchwise dot product of the two inputs.
    """
    return Dot(axes=axes, **kwargs)(inputs)
