"""ConvLSTM1D: a convolutional LSTM over 1D feature maps."""

from lamina.layers.registry import register
from lamina.layers.rnn.conv_lstm import ConvLSTM


@register()
class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM (Shi et al., 2015).

    Like an LSTM whose input and recurrent transforms are 1D
    convolutions. The input convolution uses `strides`, `padding` and
    `dilation_rate`; the recurrent one is stride 1 with "same" padding.

    Args:
        filters: positive int, the number of output channels.
        kernel_size: int or tuple of 1 ints.
        strides: int or tuple of 1 ints (> 1 excludes dilation > 1).
        padding: "valid" or "same" (TensorFlow's rule: any extra padding on
            the right).
        data_format: "channels_last" (inputs `(batch, time, *spatial,
            channels)`) or "channels_first" (`(batch, time, channels,
            *spatial)`); None means `image_data_format()`.
        dilation_rate: int or tuple of 1 ints.
        activation, recurrent_activation: default tanh and sigmoid.
        use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint: as in
            `LSTM`; kernels are `(*kernel_size, in, 4 * filters)`.
        dropout, recurrent_dropout: fractions dropped in training (one mask
            per gate and sequence).
        seed: optional int seeding the dropout masks.
        return_sequences, return_state, go_backwards, stateful: as in `RNN`.

    Call arguments:
        sequences: a rank-4 tensor.
        initial_state: optional `[h, c]` feature maps.
        mask: optional `(batch, time)` boolean tensor.
        training: whether dropout applies.

    Example:
        >>> layer = ConvLSTM1D(8, 3)
        >>> layer(torch.ones(4, 6, 10, 3)).shape
        torch.Size([4, 8, 8])
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
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
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size,
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
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, **kwargs,
        )
