"""SimpleRNN: a fully-connected RNN whose output is fed back as its state."""

from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import RELU
from lamina.layers.rnn.base_cell import TANH
from lamina.layers.rnn.dense_rnn import DenseRNN
from lamina.layers.rnn.simple_rnn_cell import SimpleRNNCell


@register()
class SimpleRNN(DenseRNN):
    """Fully-connected RNN: `h_t = activation(x_t @ kernel + h_{t-1} @
    recurrent_kernel + bias)`.

    With tanh or relu activations, `unroll=False`, no recurrent dropout in
    training and any mask right-padded, it runs on torch's fused RNN kernel;
    otherwise on a step loop. Weights are Keras's (see `SimpleRNNCell`),
    under `simple_rnn/simple_rnn_cell/`.

    Args:
        units: positive int, the size of the output and state.
        activation: default tanh.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, seed: as in
            `SimpleRNNCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as
            in `RNN`.

    Call arguments:
        sequences: a `(batch, time, features)` tensor.
        initial_state: optional `[h]`, `(batch, units)`.
        mask: optional `(batch, time)` boolean tensor.
        training: whether dropout applies.

    Example:
        >>> SimpleRNN(4)(torch.ones(32, 10, 8)).shape
        torch.Size([32, 4])
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        cell = SimpleRNNCell(
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
            recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
        )
        super().__init__(
            cell, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )

    def _fused_kind(self):
        activation = self.cell.activation
        if any(activation is f for f in TANH):
            return "rnn_tanh"
        if any(activation is f for f in RELU):
            return "rnn_relu"
        return None

    def get_config(self):
        config = super().get_config()
        # Keras's SimpleRNN leaves its cell's seed out of the layer config.
        config.pop("seed", None)
        return config
