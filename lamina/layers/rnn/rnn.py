"""RNN: runs any cell over the time axis of a sequence.

The base of SimpleRNN, LSTM, GRU and ConvLSTM. It resolves initial states
(zeros, the caller's, or the persisted states of a stateful layer), applies
Keras's masking rules, and picks the fastest exact path: torch's fused
kernels where a subclass offers them, else a step loop in which built-in
cells transform the whole input sequence at once before looping over the
recurrent part only.
"""

import types

import torch

from lamina.layers import call_context
from lamina.layers.input_spec import InputSpec
from lamina.layers.input_spec import assert_input_compatibility
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import BaseRNNCell
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.stacked_rnn_cells import call_cell
from lamina.layers.rnn.stacked_rnn_cells import check_cell
from lamina.layers.rnn.stacked_rnn_cells import output_size_of
from lamina.layers.rnn.step_loop import run_steps
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object
from lamina.utils import tree


def cell_attribute(name):
    """A read-only property forwarding `layer.<name>` to `layer.cell`."""
    return property(lambda self: getattr(self.cell, name),
                    doc=f"The cell's `{name}`.")


@register()
class RNN(Layer):
    """Base class for recurrent layers: applies a cell to every timestep.

    Args:
        cell: an RNN cell (an object with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size` attribute: an int or a
            list of ints, one per state; optionally `output_size` and
            `get_initial_state(batch_size)`), or a list of cells, stacked.
        return_sequences: return the output of every timestep
            `(batch, time, output_size)` instead of the last `(batch,
            output_size)`.
        return_state: also return the final states, after the output.
        go_backwards: process the sequence last step first (the returned
            sequence is then in that reversed order).
        stateful: keep the final states of each batch as the initial
            states of the next call; needs a fixed batch size. Clear them
            with `reset_states()`.
        unroll: always run the Python step loop (never a fused kernel);
            eager torch gains nothing else from unrolling.
        zero_output_for_mask: masked timesteps output zeros instead of the
            previous timestep's output.

    Call arguments:
        sequences: a `(batch, time, ...)` tensor.
        initial_state: optional list of initial state tensors.
        mask: optional `(batch, time)` boolean tensor; False marks
            timesteps to skip (their states and output carry over). Set
            automatically after `Embedding(mask_zero=True)` or `Masking`.
        training: whether dropout applies.

    Example:
        >>> layer = RNN(LSTMCell(8), return_sequences=True)
        >>> layer(torch.ones(2, 5, 3)).shape
        torch.Size([2, 5, 8])
    """

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell)
        state_size = cell.state_size
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                "The cell's `state_size` must be an int or a list of ints "
                f"(one per state). Received: state_size={state_size!r}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else \
            list(state_size)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._state_structure = None

    # ------------------------------------------------------------------
    # Shapes and masks
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        output_size = output_size_of(self.cell)
        if not isinstance(output_size, int):
            raise ValueError(
                "The cell's `output_size` must be an int. Received: "
                f"output_size={output_size!r}"
            )
        output_shape = (batch, steps, output_size) if self.return_sequences \
            else (batch, output_size)
        if not self.return_state:
            return output_shape
        states = [(batch, s) if isinstance(s, int) else
                  [(batch, d) for d in s] for s in self.state_size]
        return (output_shape, *states)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None and not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(mask).bool()
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(tree.flatten(self.state_size))
        return output_mask

    # ------------------------------------------------------------------
    # Building and states
    def build(self, sequences_shape):
        sequences_shape = tuple(sequences_shape)
        # Checked before the cell builds from this shape, so a rank-2 input
        # reads "expected ndim=3", not a failure to create the kernel.
        assert_input_compatibility(
            self.input_spec, types.SimpleNamespace(shape=sequences_shape),
            self.name)
        if self.unroll and sequences_shape[1] is None:
            raise ValueError(
                f"Layer '{self.name}' cannot unroll an RNN whose time "
                "dimension is undefined. Give the input a fixed number of "
                "timesteps (e.g. `Input(shape=(timesteps, features))`). "
                f"Received: input_shape={sequences_shape}"
            )
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build_from_shapes({"input_shape": step_shape})
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"Layer '{self.name}' is stateful, so its batch size must "
                    "be fixed: pass `batch_size=` to `Input` (or "
                    "`batch_input_shape=` to the first layer). Received: "
                    f"input_shape={sequences_shape}"
                )
            self._create_state_buffers(sequences_shape[0])
        self.built = True

    def _zero_states(self, batch_size, device=None, dtype=None):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            return [torch.zeros((batch_size, d), device=device, dtype=dtype)
                    for d in self.state_size]
        states = fn(batch_size=batch_size)
        states = list(states) if tree.is_nested(states) else [states]
        return tree.map_structure(
            lambda s: torch.as_tensor(s).to(device=device, dtype=dtype),
            states)

    def get_initial_state(self, batch_size):
        """Zero states for a batch, as a list (nested for stacked cells)."""
        return self._zero_states(batch_size)

    def _create_state_buffers(self, batch_size):
        device = next(iter(self.parameters()), torch.empty(0)).device
        zeros = self._zero_states(batch_size, device=device)
        self._state_structure = tree.map_structure(lambda _: None, zeros)
        for index, value in enumerate(tree.flatten(zeros)):
            # Non-persistent buffers: they follow `.to()` but, as in Keras,
            # are not saved with the weights.
            self.register_buffer(f"rnn_state_{index}", value,
                                 persistent=False)

    @property
    def states(self):
        """The persisted states of a stateful layer (else None)."""
        if self._state_structure is None:
            return None
        count = len(tree.flatten(self._state_structure))
        flat = [self._buffers[f"rnn_state_{i}"] for i in range(count)]
        return tree.pack_sequence_as(self._state_structure, flat)

    def _store_states(self, states):
        for index, value in enumerate(tree.flatten(states)):
            # A new tensor rather than an in-place copy: the old one may
            # still be needed by autograd for the previous batch.
            self._buffers[f"rnn_state_{index}"] = value.detach()

    def reset_state(self):
        """Sets the persisted states of a stateful layer back to zeros."""
        if self._state_structure is None:
            return
        for name in list(self._buffers):
            if name.startswith("rnn_state_"):
                self._buffers[name] = torch.zeros_like(self._buffers[name])

    def reset_states(self):
        """Alias of `reset_state()` (the Keras 2 name)."""
        self.reset_state()

    # ------------------------------------------------------------------
    # Calling
    def call(self, sequences, initial_state=None, mask=None, training=False):
        mask = self._standardize_mask(mask, sequences)
        states = self._initial_states(sequences, initial_state)
        last, outputs, states = self._run(sequences, states, mask, training)
        if self.stateful and not call_context.in_symbolic_scope():
            self._store_states(states)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _run(self, sequences, states, mask, training):
        cell = self.cell
        try:
            fused = self._run_fused(sequences, states, mask, training)
            if fused is not None:
                return fused
            if isinstance(cell, BaseRNNCell) and cell.runs_whole_sequences():
                input_masks, recurrent_masks = cell._dropout_masks(
                    sequences[:, 0], tree.flatten(states)[0], training)
                inputs = cell._project(sequences, input_masks)

                def step(inputs_t, states_t):
                    return cell._step(inputs_t, states_t, recurrent_masks)
            else:
                inputs = sequences

                def step(inputs_t, states_t):
                    return call_cell(cell, inputs_t, states_t, training)
            return run_steps(step, inputs, states, mask, self.go_backwards,
                             self.zero_output_for_mask, self.return_sequences)
        finally:
            for c in getattr(cell, "cells", [cell]):
                if isinstance(c, DropoutRNNCell):
                    c.reset_dropout_mask()
                    c.reset_recurrent_dropout_mask()

    def _run_fused(self, sequences, states, mask, training):
        """A fused-kernel run `(last, outputs, states)`, or None."""
        return None

    def _standardize_mask(self, mask, sequences):
        if mask is None:
            return None
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
            if mask is None:
                return None
        mask = torch.as_tensor(mask, device=sequences.device)
        if mask.dim() == 3 and mask.shape[-1] == 1:
            mask = mask.squeeze(-1)
        if mask.dim() != 2 or tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise ValueError(
                f"Layer '{self.name}' expects a `mask` of shape (batch, "
                f"timesteps) = {tuple(sequences.shape[:2])}. Received: "
                f"mask.shape={tuple(mask.shape)}"
            )
        return mask if mask.dtype == torch.bool else mask.bool()

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        if self.stateful:
            expected = tree.flatten(self.states)[0].shape[0]
            if batch != expected:
                raise ValueError(
                    f"Layer '{self.name}' is stateful with a batch size of "
                    f"{expected}, so every batch must have {expected} "
                    f"sequences. Received a batch of {batch}."
                )
            if initial_state is None:
                return self.states
        zeros = self._zero_states(batch, sequences.device, sequences.dtype)
        if initial_state is None:
            return zeros
        given = tree.flatten(initial_state if tree.is_nested(initial_state)
                             else [initial_state])
        reference = tree.flatten(zeros)
        if len(given) != len(reference):
            raise ValueError(
                f"Layer '{self.name}' expects {len(reference)} initial state "
                f"tensor(s) (its cell's state_size is {self.state_size}), "
                f"but `initial_state` holds {len(given)}."
            )
        states = []
        for index, (value, ref) in enumerate(zip(given, reference)):
            value = torch.as_tensor(value).to(device=sequences.device,
                                              dtype=sequences.dtype)
            if tuple(value.shape) != tuple(ref.shape):
                raise ValueError(
                    f"Layer '{self.name}': initial_state[{index}] must have "
                    f"shape {tuple(ref.shape)} (batch, state size). "
                    f"Received: shape={tuple(value.shape)}"
                )
            states.append(value)
        return tree.pack_sequence_as(zeros, states)

    # ------------------------------------------------------------------
    # Config
    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        })
        return config

    def _config_with_cell_arguments(self, config):
        """A layer that creates its own cell writes the cell's arguments in
        its config instead of the cell (SimpleRNN, LSTM, GRU, ConvLSTM)."""
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = serialize_keras_object(
            self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = deserialize_keras_object(
                config["cell"], custom_objects=custom_objects)
        return super().from_config(config)
