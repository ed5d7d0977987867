"""Bidirectional: runs a recurrent layer forwards and backwards, merged."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.utils import tree

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_RECURRENT_ATTRIBUTES = ("go_backwards", "return_sequences", "return_state",
                         "stateful")


def _check_recurrent(layer, argument):
    missing = [a for a in _RECURRENT_ATTRIBUTES if not hasattr(layer, a)]
    if not isinstance(layer, Layer) or missing:
        raise ValueError(
            f"Argument `{argument}` of Bidirectional must be a recurrent "
            "layer instance (such as `LSTM(...)`, `GRU(...)` or `RNN(cell)`) "
            f"with the attributes {list(_RECURRENT_ATTRIBUTES)}. Received: "
            f"{argument}={layer!r}"
        )


def _custom_classes(layer):
    """Classes of the layer and its cells, so that unregistered user
    classes survive the config round trip that copies the layer."""
    found = {type(layer).__name__: type(layer)}
    cell = getattr(layer, "cell", None)
    for c in [cell] + list(getattr(cell, "cells", [])):
        if c is not None:
            found[type(c).__name__] = type(c)
    return found


def _copy_layer(layer, prefix, **overrides):
    """A fresh layer from `layer`'s config, renamed `<prefix>_<name>`."""
    config = serialize_keras_object(layer)
    name = layer.name[len(prefix) + 1:] if layer.name.startswith(
        prefix + "_") else layer.name
    config["config"] = {**config["config"], "name": f"{prefix}_{name}",
                        **overrides}
    return deserialize_keras_object(config,
                                    custom_objects=_custom_classes(layer))


@register()
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    Runs a copy of `layer` over the sequence and a second copy (or
    `backward_layer`) over the reversed sequence, and merges their outputs.
    With `return_sequences`, the backward outputs are flipped back to the
    input's time order before merging. Masks reach both directions.

    Args:
        layer: a recurrent layer instance (`LSTM`, `GRU`, `SimpleRNN`,
            `RNN`, ...). It is copied from its config: the wrapper's layers
            are `forward_<name>` and `backward_<name>`.
        merge_mode: "concat" (default), "sum", "mul", "ave" or None (the two
            outputs are returned as a list).
        weights: optional initial weights, forward then backward.
        backward_layer: optional recurrent layer for the backward direction
            (it must have `go_backwards=True` and the same
            `return_sequences`, `return_state` and `stateful` as `layer`).

    Call arguments:
        sequences: a `(batch, time, features)` tensor.
        initial_state: optional list of states, forward then backward.
        mask: optional `(batch, time)` boolean tensor.
        training: whether dropout applies.

    Example:
        >>> layer = Bidirectional(LSTM(8, return_sequences=True))
        >>> layer(torch.ones(4, 10, 3)).shape
        torch.Size([4, 10, 16])
    """

    def __init__(self, layer, merge_mode="concat", weights=None,
                 backward_layer=None, **kwargs):
        _check_recurrent(layer, "layer")
        if backward_layer is not None:
            _check_recurrent(backward_layer, "backward_layer")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                "Invalid value for argument `merge_mode` of Bidirectional. "
                f"Expected one of {list(_MERGE_MODES)}. Received: "
                f"merge_mode={merge_mode!r}"
            )
        if weights is not None:
            kwargs["weights"] = weights
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, "forward")
        self.backward_layer = backward_layer if backward_layer is not None \
            else _copy_layer(layer, "backward", go_backwards=True)
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layers()
        for direction in (self.forward_layer, self.backward_layer):
            # Merged sequences must be zero at masked steps in both halves.
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layers(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "The forward and backward layers of Bidirectional must have "
                "different `go_backwards` values. Received: "
                f"forward_layer.go_backwards={forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attribute), getattr(backward, attribute)
            if a != b:
                raise ValueError(
                    "The forward and backward layers of Bidirectional must "
                    f"have the same `{attribute}`. Received: {a} for the "
                    f"forward layer and {b} for the backward layer."
                )

    def build(self, sequences_shape):
        for layer in (self.forward_layer, self.backward_layer):
            if not layer.built:
                layer._maybe_build_from_shapes({"input_shape": sequences_shape})
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(
            tuple(sequences_shape))
        state_shapes = ()
        if self.return_state:
            output_shape, state_shapes = output_shape[0], \
                tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
            outputs = (tuple(output_shape),)
        elif self.merge_mode is None:
            outputs = (tuple(output_shape), tuple(output_shape))
        else:
            outputs = (tuple(output_shape),)
        if not self.return_state:
            return outputs if self.merge_mode is None else outputs[0]
        return outputs + state_shapes + state_shapes

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state) if tree.is_nested(initial_state) \
                else [initial_state]
            if len(states) % 2:
                raise ValueError(
                    f"Layer '{self.name}' expects `initial_state` to hold the "
                    "forward layer's states followed by the backward layer's "
                    f"(an even count). Received {len(states)} tensor(s)."
                )
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        kwargs = {"mask": mask, "training": training}
        y = self.forward_layer(sequences, initial_state=forward_state,
                               **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state,
                                    **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=(1,))
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if not self.return_state:
            return output
        outputs = output if self.merge_mode is None else (output,)
        return outputs + states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None and not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(mask).bool()
        output_mask = mask if self.return_sequences else None
        output_masks = [output_mask] * (2 if self.merge_mode is None else 1)
        if self.return_state:
            count = len(tree.flatten(self.forward_layer.state_size)) * 2
            return output_masks + [None] * count
        return output_masks if self.merge_mode is None else output_mask

    @property
    def states(self):
        forward, backward = self.forward_layer.states, \
            self.backward_layer.states
        if forward and backward:
            return tuple(forward) + tuple(backward)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError(
                f"Layer '{self.name}' is not stateful: there are no states "
                "to reset."
            )
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Alias of `reset_state()` (the Keras 2 name)."""
        self.reset_state()

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(
            config["layer"], custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_keras_object(
                backward, custom_objects=custom_objects)
        return super().from_config(config)
