"""LSTMCell: the long short-term memory step, gates i, f, c, o."""

import torch

from lamina import activations
from lamina import initializers
from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import DenseRNNCell
from lamina.layers.rnn.base_cell import fast_activation


@register()
class LSTMCell(DenseRNNCell):
    """Cell of an LSTM (Hochreiter & Schmidhuber, 1997).

    Weights are Keras's: `kernel` (input_dim, 4 * units),
    `recurrent_kernel` (units, 4 * units) and `bias` (4 * units,), each the
    input (i), forget (f), candidate (c) and output (o) blocks in that order.

    Args:
        units: positive int, the size of the output and of both states.
        activation: of the candidate and of the output (default tanh).
        recurrent_activation: of the gates (default sigmoid).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of the three weights.
        unit_forget_bias: if True, the forget-gate bias starts at 1 (the
            other blocks use `bias_initializer`).
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights.
        dropout: float in [0, 1], fraction of the inputs dropped in training
            (one mask per sequence).
        recurrent_dropout: float in [0, 1], the same for the recurrent state
            (then each gate draws its own masks, as Keras does).
        seed: optional int seeding the dropout masks.

    Call arguments:
        inputs: a `(batch, features)` tensor, one timestep.
        states: `[h, c]`, each `(batch, units)`.
        training: whether dropout applies.

    Example:
        >>> layer = RNN(LSTMCell(8))  # computes what LSTM(8) computes
    """

    gates = 4

    def __init__(self, units, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, **kwargs,
        )
        self.recurrent_activation = activations.get(
            recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        # Keras's implementation 1 (one dropout mask per gate) is forced by
        # recurrent dropout; implementation 2 draws one input mask.
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def forget_bias_ones(shape, dtype=None):
            return torch.cat([
                torch.as_tensor(base((units,), dtype=dtype)),
                torch.as_tensor(initializers.get("ones")((units,),
                                                         dtype=dtype)),
                torch.as_tensor(base((units * 2,), dtype=dtype)),
            ])

        return forget_bias_ones

    def _project(self, inputs, input_masks):
        return self._matmul(inputs, self.kernel, input_masks, self.bias)

    def _step(self, projected, states, recurrent_masks=None):
        h, c = states[0], states[1]
        z = projected + self._matmul(h, self.recurrent_kernel,
                                     recurrent_masks)
        i, f, g, o = z.chunk(4, dim=-1)
        gate = fast_activation(self.recurrent_activation)
        act = fast_activation(self.activation)
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(
            self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config
