"""TimeDistributed: applies a layer to every timestep of a sequence."""

import torch

from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.utils import tree


@register()
class TimeDistributed(Layer):
    """Applies `layer` to every temporal slice (axis 1) of the input.

    The same weights serve every timestep. The timesteps are folded into the
    batch and `layer` runs once on `(batch * time, ...)`; a layer with
    non-trainable state (such as BatchNormalization's moving statistics)
    runs step by step in training instead, so that its batch statistics are
    per timestep as in Keras.

    Args:
        layer: a layer instance (a `torch.nn.Module` also works).

    Call arguments:
        inputs: a `(batch, time, ...)` tensor.
        training: passed to `layer`.
        mask: optional `(batch, time, ...)` boolean mask, passed to `layer`
            (folded like the inputs) when its `call` takes one.

    Example:
        >>> layer = TimeDistributed(Dense(8))
        >>> layer(torch.ones(32, 10, 16)).shape
        torch.Size([32, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, torch.nn.Module):
            raise ValueError(
                "Argument `layer` of TimeDistributed must be a layer "
                f"instance (e.g. `Dense(8)`). Received: layer={layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed layer '{self.name}' expects inputs of rank "
                "3 or more, `(batch, time, ...)`. Received: "
                f"input_shape={input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child_shape = self._child_shape(tuple(input_shape))
        if isinstance(self.layer, Layer) and not self.layer.built:
            self.layer._maybe_build_from_shapes({"input_shape": child_shape})
        self.input_spec = InputSpec(min_ndim=3)
        self.built = True

    def compute_output_shape(self, input_shape):
        child_shape = self._child_shape(tuple(input_shape))
        if not isinstance(self.layer, Layer):
            return super().compute_output_shape(input_shape)
        child_out = self.layer.compute_output_shape(child_shape)
        return (child_out[0], input_shape[1], *child_out[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        if mask is not None:
            mask = torch.as_tensor(mask, device=inputs.device)
            if mask.dim() < 2 or tuple(mask.shape[:2]) != (batch, steps):
                raise ValueError(
                    f"TimeDistributed layer '{self.name}' expects a `mask` "
                    f"starting with (batch, timesteps) = ({batch}, {steps})."
                    f" Received: mask.shape={tuple(mask.shape)}"
                )
        if training and self._has_batch_state():
            outputs = [tree.flatten(self._apply(
                inputs[:, t], training, None if mask is None else mask[:, t]))
                for t in range(steps)]
            stacked = [torch.stack(parts, dim=1) for parts in zip(*outputs)]
            return stacked[0] if len(stacked) == 1 else stacked
        folded = inputs.reshape(batch * steps, *inputs.shape[2:])
        if mask is not None:
            mask = mask.reshape(batch * steps, *mask.shape[2:])
        outputs = self._apply(folded, training, mask)
        return tree.map_structure(
            lambda o: o.reshape(batch, steps, *o.shape[1:]), outputs)

    def _apply(self, inputs, training, mask):
        if not isinstance(self.layer, Layer):
            return self.layer(inputs)
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        return self.layer(inputs, **kwargs)

    def _has_batch_state(self):
        """Whether the layer keeps non-trainable state (moving statistics),
        whose updates depend on how the batch is formed."""
        if not isinstance(self.layer, Layer):
            return any(True for _ in self.layer.buffers())
        return any(getattr(layer, "_non_trainable_variables", None)
                   for layer in self.layer._flatten_layers())

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(
            config["layer"], custom_objects=custom_objects)
        return super().from_config(config)
