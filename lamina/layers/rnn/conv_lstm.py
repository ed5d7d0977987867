"""ConvLSTM: the shared base of ConvLSTM1D, ConvLSTM2D and ConvLSTM3D."""

from lamina.layers.input_spec import InputSpec
from lamina.layers.rnn.conv_lstm_cell import ConvLSTMCell
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_attribute


class ConvLSTM(RNN):
    """An LSTM whose input and recurrent transforms are convolutions over
    `rank` spatial dimensions; see ConvLSTM2D for the arguments."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=rank + 3)

    filters = cell_attribute("filters")
    kernel_size = cell_attribute("kernel_size")
    strides = cell_attribute("strides")
    padding = cell_attribute("padding")
    data_format = cell_attribute("data_format")
    dilation_rate = cell_attribute("dilation_rate")
    activation = cell_attribute("activation")
    recurrent_activation = cell_attribute("recurrent_activation")
    use_bias = cell_attribute("use_bias")
    kernel_initializer = cell_attribute("kernel_initializer")
    recurrent_initializer = cell_attribute("recurrent_initializer")
    bias_initializer = cell_attribute("bias_initializer")
    unit_forget_bias = cell_attribute("unit_forget_bias")
    kernel_regularizer = cell_attribute("kernel_regularizer")
    recurrent_regularizer = cell_attribute("recurrent_regularizer")
    bias_regularizer = cell_attribute("bias_regularizer")
    kernel_constraint = cell_attribute("kernel_constraint")
    recurrent_constraint = cell_attribute("recurrent_constraint")
    bias_constraint = cell_attribute("bias_constraint")
    dropout = cell_attribute("dropout")
    recurrent_dropout = cell_attribute("recurrent_dropout")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        step_shape = (batch, *sequences_shape[2:])
        state_shape = self.cell.compute_output_shape(step_shape)[0]
        output_shape = (batch, steps, *state_shape[1:]) if \
            self.return_sequences else state_shape
        if self.return_state:
            return output_shape, state_shape, state_shape
        return output_shape

    def compute_mask(self, inputs, mask=None):
        output_mask = super().compute_mask(inputs, mask)
        if self.return_state:
            return [output_mask[0], None, None]
        return output_mask

    def get_config(self):
        return self._config_with_cell_arguments(super().get_config())
