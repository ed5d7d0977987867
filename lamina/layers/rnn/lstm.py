"""LSTM: the long short-term memory layer (Hochreiter & Schmidhuber, 1997)."""

from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import is_default_activations
from lamina.layers.rnn.dense_rnn import DenseRNN
from lamina.layers.rnn.lstm_cell import LSTMCell
from lamina.layers.rnn.rnn import cell_attribute


@register()
class LSTM(DenseRNN):
    """Long short-term memory layer.

    Runs on torch's fused LSTM kernel (cuDNN on GPU) when the activations
    are tanh/sigmoid, `unroll=False`, there is no recurrent dropout in
    training and any mask is right-padded; otherwise on a step loop. Both
    compute Keras's LSTM; weights are Keras's (see `LSTMCell`), under
    `lstm/lstm_cell/`.

    Args:
        units: positive int, the size of the output and states.
        activation, recurrent_activation: default tanh and sigmoid.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
        seed: as in `LSTMCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as
            in `RNN`.
        use_cudnn: "auto" (fused kernel when possible), True (require it:
            an error otherwise) or False (always the step loop).

    Call arguments:
        sequences: a `(batch, time, features)` tensor.
        initial_state: optional `[h, c]`, each `(batch, units)`.
        mask: optional `(batch, time)` boolean tensor.
        training: whether dropout applies.

    Example:
        >>> layer = LSTM(4, return_sequences=True, return_state=True)
        >>> outputs, h, c = layer(torch.ones(32, 10, 8))
        >>> outputs.shape, h.shape
        (torch.Size([32, 10, 4]), torch.Size([32, 4]))
    """

    def __init__(self, units, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False,
                 unroll=False, use_cudnn="auto", **kwargs):
        cell = LSTMCell(
            units, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias,
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
            implementation=kwargs.pop("implementation", 2), name="lstm_cell",
        )
        super().__init__(
            cell, use_cudnn=use_cudnn, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )

    recurrent_activation = cell_attribute("recurrent_activation")
    unit_forget_bias = cell_attribute("unit_forget_bias")

    def _fused_kind(self):
        return "lstm" if is_default_activations(self.cell) else None
