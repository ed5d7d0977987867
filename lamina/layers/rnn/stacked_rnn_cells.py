"""StackedRNNCells: several cells run as one, each feeding the next."""

import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype


def check_cell(cell, argument="cell"):
    """Raises a clear error unless `cell` has `call` and `state_size`."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(
            f"Argument `{argument}` should have a `call` method "
            f"(`call(inputs, states)`). Received: {argument}={cell!r}"
        )
    if not hasattr(cell, "state_size"):
        raise ValueError(
            f"Argument `{argument}` should have a `state_size` attribute "
            "(an int, or a list of ints, one per state). "
            f"Received: {argument}={cell!r}"
        )


def call_cell(cell, inputs, states, training):
    """One step of any cell: through `__call__` for layers (so `training`
    and building are handled), else its `call`."""
    if isinstance(cell, Layer):
        return cell(inputs, states, training=training)
    return cell.call(inputs, states)


def output_size_of(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) \
        else state_size


@register()
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that they behave as a single cell.

    Each cell's output is the next cell's input; the state is the list of
    the cells' states. `RNN([cell_a, cell_b])` builds one implicitly.

    Args:
        cells: list of RNN cells (objects with `call(inputs, states)` and
            `state_size`).

    Example:
        >>> cells = [LSTMCell(16), LSTMCell(16)]
        >>> layer = RNN(StackedRNNCells(cells))
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            check_cell(cell, "cells")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return output_size_of(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        dtype = to_torch_dtype(self.compute_dtype)
        weight = next(self.parameters(), None)
        device = config.default_device() if weight is None else weight.device
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            sizes = [cell.state_size] if isinstance(cell.state_size, int) \
                else cell.state_size
            state = fn(batch_size=batch_size) if fn is not None else [
                torch.zeros((batch_size, d), dtype=dtype, device=device)
                for d in sizes]
            if isinstance(cell.state_size, int) and tree.is_nested(state) \
                    and len(state) == 1:
                # A one-state cell's state is a bare tensor, which is what
                # `compute_output_shape` promises for `return_state`.
                state = state[0]
            states.append(state)
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build_from_shapes({"input_shape": input_shape})
            batch = tree.flatten(input_shape)[0]
            input_shape = (batch, output_size_of(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = tree.is_nested(cell_states)
            cell_states = list(cell_states) if nested else [cell_states]
            inputs, cell_states = call_cell(cell, inputs, cell_states,
                                            training)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not nested:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return super().from_config({**config, "cells": cells})
