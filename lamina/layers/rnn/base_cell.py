"""Shared machinery of the built-in RNN cells.

A built-in cell splits one timestep into `_project` (the input transform,
which also runs on a whole `(batch, time, ...)` sequence at once, so the RNN
does it in one large matmul or convolution) and `_step` (the recurrent part).
`call` is the two chained for a single step, as Keras's cell API expects.
"""

import torch
import torch.nn.functional as F

from lamina import activations
from lamina import config
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.random import SeedGenerator
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype

# Built-in activations mapped to the torch functions they wrap: the step loop
# calls them once per timestep, so skip the wrapper's argument conversion.
_TORCH_ACTIVATIONS = (
    (activations.tanh, torch.tanh),
    (activations.sigmoid, torch.sigmoid),
    (activations.relu, torch.relu),
)
TANH = (activations.tanh, torch.tanh, F.tanh)
SIGMOID = (activations.sigmoid, torch.sigmoid, F.sigmoid)
RELU = (activations.relu, torch.relu, F.relu)


def fast_activation(fn):
    for keras_fn, torch_fn in _TORCH_ACTIVATIONS:
        if fn is keras_fn:
            return torch_fn
    return fn


def is_default_activations(cell):
    """Whether the cell uses tanh / sigmoid, the fused kernels' functions."""
    return any(cell.activation is f for f in TANH) and any(
        cell.recurrent_activation is f for f in SIGMOID)


def check_units(value, name="units"):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Received an invalid value for argument `{name}`. Expected a "
            f"positive integer. Received: {name}={value!r}"
        )
    return value


def clip_rate(rate):
    return min(1.0, max(0.0, rate))


def apply_mask(inputs, mask):
    """`inputs * mask` with a per-sample mask broadcast over time."""
    if mask.dim() < inputs.dim():
        mask = mask.unsqueeze(1)
    return inputs * mask


class BaseRNNCell(DropoutRNNCell, Layer):
    """A cell whose timestep is `_step(_project(inputs), states)`.

    Subclasses define `state_size`, `_project(inputs, input_masks)` and
    `_step(projected, states, recurrent_masks) -> (output, new_states)`.
    """

    def _dropout_masks(self, step_input, state, training):
        """(input masks, recurrent masks) for one sequence, or Nones."""
        if not training:
            return None, None
        input_masks = recurrent_masks = None
        if 0.0 < self.dropout < 1.0:
            input_masks = self.get_dropout_mask(step_input)
        if 0.0 < self.recurrent_dropout < 1.0:
            recurrent_masks = self.get_recurrent_dropout_mask(state)
        return input_masks, recurrent_masks

    def reset_dropout_masks(self):
        self.reset_dropout_mask()
        self.reset_recurrent_dropout_mask()

    def runs_whole_sequences(self):
        """True unless a subclass replaced `call` (then only `call` counts)."""
        return type(self).call is BaseRNNCell.call

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        input_masks, recurrent_masks = self._dropout_masks(
            inputs, states[0], training)
        output, new_states = self._step(
            self._project(inputs, input_masks), states, recurrent_masks)
        if not nested and len(new_states) == 1:
            return output, new_states[0]
        return output, new_states


class DenseRNNCell(BaseRNNCell):
    """Base of SimpleRNNCell, LSTMCell and GRUCell: `gates` blocks of `units`
    columns in `kernel` (input_dim, gates * units) and `recurrent_kernel`
    (units, gates * units)."""

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.output_size = self.units

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width), name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(), name="bias",
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    @staticmethod
    def _matmul(x, kernel, masks, bias=None):
        """`x @ kernel + bias`; with a list of masks, block g of the kernel
        sees `x * masks[g]` (Keras's per-gate dropout)."""
        if masks is None:
            return F.linear(x, kernel.t(), bias)
        if isinstance(masks, (list, tuple)):
            blocks = kernel.chunk(len(masks), dim=1)
            out = torch.cat([apply_mask(x, m) @ k
                             for m, k in zip(masks, blocks)], dim=-1)
        else:
            out = apply_mask(x, masks) @ kernel
        return out if bias is None else out + bias

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else \
            [self.state_size]
        device = self.kernel.device if self.built else \
            config.default_device()
        dtype = to_torch_dtype(self.compute_dtype)
        return [torch.zeros((batch_size, size), dtype=dtype, device=device)
                for size in sizes]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "recurrent_initializer": serialize_keras_object(
                self.recurrent_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self.kernel_regularizer),
            "recurrent_regularizer": serialize_keras_object(
                self.recurrent_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(
                self.kernel_constraint),
            "recurrent_constraint": serialize_keras_object(
                self.recurrent_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config
