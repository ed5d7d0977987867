"""GRU: the gated recurrent unit layer (Cho et al., 2014)."""

from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import is_default_activations
from lamina.layers.rnn.dense_rnn import DenseRNN
from lamina.layers.rnn.gru_cell import GRUCell
from lamina.layers.rnn.rnn import cell_attribute


@register()
class GRU(DenseRNN):
    """Gated recurrent unit layer.

    With the default `reset_after=True` (the formulation of cuDNN and
    `torch.nn.GRU`), tanh/sigmoid activations, `unroll=False`, no recurrent
    dropout in training and any mask right-padded, it runs on torch's fused
    GRU kernel, with Keras's z, r, h gate blocks reordered to torch's r, z,
    n on the fly; otherwise on a step loop. Weights are Keras's (see
    `GRUCell`), under `gru/gru_cell/`.

    Args:
        units: positive int, the size of the output and state.
        activation, recurrent_activation: default tanh and sigmoid.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, reset_after, seed: as
            in `GRUCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as
            in `RNN`.
        use_cudnn: "auto" (fused kernel when possible), True (require it:
            an error otherwise) or False (always the step loop).

    Call arguments:
        sequences: a `(batch, time, features)` tensor.
        initial_state: optional `[h]`, `(batch, units)`.
        mask: optional `(batch, time)` boolean tensor.
        training: whether dropout applies.

    Example:
        >>> GRU(4)(torch.ones(32, 10, 8)).shape
        torch.Size([32, 4])
    """

    def __init__(self, units, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 reset_after=True, use_cudnn="auto", **kwargs):
        cell = GRUCell(
            units, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            implementation=kwargs.pop("implementation", 2), name="gru_cell",
        )
        super().__init__(
            cell, use_cudnn=use_cudnn, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )

    recurrent_activation = cell_attribute("recurrent_activation")
    reset_after = cell_attribute("reset_after")

    def _fused_kind(self):
        ok = self.cell.reset_after and is_default_activations(self.cell)
        return "gru" if ok else None
