"""Softmax layer, with Keras's handling of masked positions."""

import torch

from lamina import activations
from lamina.layers.convolutional.conv_utils import describe
from lamina.layers.layer import Layer
from lamina.layers.registry import register


def _large_negative(dtype):
    # -1e9 overflows float16 to -inf, whose softmax gives NaN on rows that
    # are fully masked.
    return -3e4 if dtype == torch.float16 else -1e9


@register()
class Softmax(Layer):
    """Softmax activation layer.

    Args:
        axis: int or tuple of ints, the axis (or axes, normalized jointly)
            along which the softmax is taken. Defaults to -1.

    Call arguments:
        inputs: the logits.
        mask: optional boolean tensor broadcastable to `inputs` (or numbers,
            kept where > 0.5): masked positions get a large negative logit
            before the softmax and an output of exactly 0.

    Example:
        >>> Softmax()(torch.tensor([[1.0, 1.0]]))
        tensor([[0.5000, 0.5000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._standardize_mask(mask, inputs)
            inputs = torch.where(mask, inputs, _large_negative(inputs.dtype))
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            axes = tuple(self.axis)
            outputs = torch.exp(
                inputs - torch.logsumexp(inputs, dim=axes, keepdim=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) \
                else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            # A fully masked row would otherwise come out uniform.
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def _standardize_mask(self, mask, inputs):
        mask = torch.as_tensor(mask, device=inputs.device)
        compatible = mask.dim() <= inputs.dim() and all(
            m in (1, i) for m, i in zip(reversed(mask.shape),
                                        reversed(inputs.shape)))
        if not compatible:
            raise ValueError(
                f"{describe(self)}: the `mask` must be broadcastable to "
                "`inputs` (each mask dimension 1 or equal to the input's, "
                f"with no more dimensions). Received: inputs.shape="
                f"{tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
            )
        if mask.dtype != torch.bool:
            mask = mask > 0.5
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
