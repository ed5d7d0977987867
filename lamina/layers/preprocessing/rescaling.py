"""Rescaling: multiplies inputs by `scale` and adds `offset`."""

import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object


@register()
class Rescaling(Layer):
    """Rescales inputs: `outputs = inputs * scale + offset`.

    E.g. `scale=1/255` maps `[0, 255]` to `[0, 1]`, and `scale=1/127.5,
    offset=-1` maps it to `[-1, 1]`. Integer inputs give float outputs (the
    layer's compute dtype). A per-channel `scale` (a list) broadcasts over
    the last axis, or over the channel axis of a `(channels, height,
    width)` image when the global image data format is channels_first.

    Args:
        scale: float (or list of floats), the multiplier.
        offset: float (or list of floats), added after scaling.

    Example:
        >>> Rescaling(1 / 255)(torch.tensor([[0.0, 255.0]]))
        tensor([[0., 1.]])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.dtype_policy.torch_compute_dtype
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(inputs, device=config.default_device())
        scale, offset = self.scale, self.offset
        if not isinstance(scale, (int, float)):
            scale = torch.as_tensor(scale, dtype=dtype, device=inputs.device)
            if scale.ndim > 0 and \
                    config.image_data_format() == "channels_first":
                scale = scale.reshape(tuple(scale.shape) +
                                      (1,) * (3 - scale.ndim))
        if not isinstance(offset, (int, float)):
            offset = torch.as_tensor(offset, dtype=dtype,
                                     device=inputs.device)
        return inputs.to(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_.update({"scale": serialize_keras_object(self.scale),
                        "offset": serialize_keras_object(self.offset)})
        return config_

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        for key in ("scale", "offset"):
            if isinstance(config_.get(key), dict):
                config_[key] = deserialize_keras_object(config_[key])
        return super().from_config(config_)
