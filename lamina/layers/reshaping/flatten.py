"""Flatten: collapses every non-batch axis into one."""

import math

from lamina.config import standardize_data_format
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor


@register()
class Flatten(Layer):
    """Flattens the input to `(batch, features)`; the batch axis is kept.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `lamina.config.image_data_format()`. With `"channels_first"` the
            channel axis is moved last before flattening, so the feature
            order is the same as for the channels-last layout.

    Input shape:
        `(batch, ...)`, rank >= 1; a rank-1 input gives `(batch, 1)`.

    Output shape:
        `(batch, product of the non-batch dimensions)`.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        rank = inputs.dim()
        if self._channels_first and rank > 2:
            inputs = inputs.permute(0, *range(2, rank), 1)
        return inputs.reshape(inputs.shape[0], math.prod(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        features = input_shape[1:]
        if any(d is None for d in features):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(features))

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
