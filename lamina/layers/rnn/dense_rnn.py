"""The shell shared by SimpleRNN, LSTM and GRU: an RNN owning one built-in
cell, taking its arguments, exposing them as attributes, writing them in its
config, and running on torch's fused kernel when the options allow."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.rnn import fused
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_attribute


class DenseRNN(RNN):
    """Base of the layers built on a `DenseRNNCell`.

    Subclasses build their cell and define `_fused_kind()`: the torch kernel
    computing exactly what the cell computes ("lstm", "gru", "rnn_tanh",
    "rnn_relu"), or None.
    """

    def __init__(self, cell, use_cudnn="auto", **kwargs):
        super().__init__(cell, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid value for argument `use_cudnn`. Expected one of "
                f"'auto', True, False. Received: use_cudnn={use_cudnn!r}"
            )
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)

    units = cell_attribute("units")
    activation = cell_attribute("activation")
    use_bias = cell_attribute("use_bias")
    kernel_initializer = cell_attribute("kernel_initializer")
    recurrent_initializer = cell_attribute("recurrent_initializer")
    bias_initializer = cell_attribute("bias_initializer")
    kernel_regularizer = cell_attribute("kernel_regularizer")
    recurrent_regularizer = cell_attribute("recurrent_regularizer")
    bias_regularizer = cell_attribute("bias_regularizer")
    kernel_constraint = cell_attribute("kernel_constraint")
    recurrent_constraint = cell_attribute("recurrent_constraint")
    bias_constraint = cell_attribute("bias_constraint")
    dropout = cell_attribute("dropout")
    recurrent_dropout = cell_attribute("recurrent_dropout")

    def build(self, sequences_shape):
        super().build(sequences_shape)
        self.input_spec = InputSpec(ndim=3, axes={-1: sequences_shape[-1]})

    def _fused_kind(self):
        return None

    def _run_fused(self, sequences, states, mask, training):
        kind = None if self.use_cudnn is False or self.unroll else \
            self._fused_kind()
        cell = self.cell
        if kind is not None and training and 0.0 < cell.recurrent_dropout < 1:
            kind = None
        inputs = sequences
        if kind is not None and training and 0.0 < cell.dropout < 1.0:
            input_mask = cell.get_dropout_mask(sequences[:, 0])
            if isinstance(input_mask, list):
                kind = None  # one mask per gate: the step loop applies them
            else:
                inputs = sequences * input_mask.unsqueeze(1)
        result = None
        if kind is not None:
            params = fused.gru_params(cell) if kind == "gru" else \
                fused.dense_params(cell)
            result = fused.run(kind, params, inputs, list(states), mask,
                               self.go_backwards, self.zero_output_for_mask)
        if result is None and self.use_cudnn is True:
            raise ValueError(
                f"Layer '{self.name}' was created with use_cudnn=True, but "
                "its options need the step loop (non-default activations, "
                "recurrent dropout in training, unroll=True, GRU "
                "reset_after=False, or a mask that is not right-padded). "
                "Pass use_cudnn='auto' to fall back to the step loop."
            )
        return result

    def get_config(self):
        return self._config_with_cell_arguments(super().get_config())
