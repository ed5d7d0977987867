"""Masking: marks timesteps whose features all equal `mask_value` as padding."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object


@register()
class Masking(Layer):
    """Masks timesteps in which every feature equals `mask_value`.

    A timestep (all axes but the last) is kept when any of its features
    differs from `mask_value`. Masked timesteps are set to 0 in the output,
    and the boolean mask (input shape without the last axis) is attached to
    the output so that mask-consuming layers downstream (e.g. RNNs) skip them.

    Args:
        mask_value: the padding value.

    Example:
        >>> x = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]])
        >>> y = Masking()(x)
        >>> y._keras_mask
        tensor([[ True, False]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        # A config may hold the value as a serialized array.
        if isinstance(mask_value, dict) and mask_value.get("config"):
            mask_value = deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _keep(self, inputs):
        value = self.mask_value
        if not isinstance(value, (int, float)):
            value = torch.as_tensor(value, dtype=inputs.dtype,
                                    device=inputs.device)
        return torch.any(torch.ne(inputs, value), dim=-1, keepdim=True)

    def call(self, inputs):
        # torch.where, not a multiply, so masked non-finite values become 0.
        return torch.where(self._keep(inputs), inputs, 0)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs).squeeze(-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
