"""SimpleRNNCell: `output = activation(x @ kernel + h @ recurrent_kernel + b)`."""

from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import DenseRNNCell
from lamina.layers.rnn.base_cell import apply_mask
from lamina.layers.rnn.base_cell import fast_activation


@register()
class SimpleRNNCell(DenseRNNCell):
    """Cell of a fully-connected RNN whose output is fed back as its state.

    Args:
        units: positive int, the size of the output and state.
        activation: activation of the output (default tanh; None = linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of `kernel` (input_dim, units), `recurrent_kernel`
            (units, units) and `bias` (units,).
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the same weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the same weights.
        dropout: float in [0, 1], fraction of the inputs dropped in training
            (one mask per sequence).
        recurrent_dropout: float in [0, 1], the same for the recurrent state.
        seed: optional int seeding the dropout masks.

    Call arguments:
        inputs: a `(batch, features)` tensor, one timestep.
        states: a list holding the previous `(batch, units)` output.
        training: whether dropout applies.

    Example:
        >>> cell = SimpleRNNCell(4)
        >>> layer = RNN(cell)  # same as SimpleRNN(4)
    """

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
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
        self.state_size = self.units

    def _project(self, inputs, input_masks):
        return self._matmul(inputs, self.kernel, input_masks, self.bias)

    def _step(self, projected, states, recurrent_masks=None):
        previous = states[0]
        if recurrent_masks is not None:
            previous = apply_mask(previous, recurrent_masks)
        output = fast_activation(self.activation)(
            projected + previous @ self.recurrent_kernel)
        return output, [output]
