"""ConvLSTMCell: an LSTM step whose transforms are convolutions.

Used by ConvLSTM1D/2D/3D (Keras does not export it). Weights are Keras's:
`kernel` (*kernel_size, channels, 4 * filters), `recurrent_kernel`
(*kernel_size, filters, 4 * filters), `bias` (4 * filters,), gate blocks
i, f, c, o along the last axis.
"""

import math
import operator

import torch
import torch.nn.functional as F

from lamina import activations
from lamina import config as lamina_config
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.rnn.base_cell import BaseRNNCell
from lamina.layers.rnn.base_cell import apply_mask
from lamina.layers.rnn.base_cell import check_units
from lamina.layers.rnn.base_cell import clip_rate
from lamina.layers.rnn.base_cell import fast_activation
from lamina.random import SeedGenerator
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _tuple(value, rank, name):
    try:
        values = (operator.index(value),) * rank
    except TypeError:
        values = tuple(value)
    if len(values) != rank or any(
            isinstance(v, bool) or int(v) != v or v <= 0 for v in values):
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected an int or a tuple "
            f"of {rank} positive ints. Received: {name}={value!r}"
        )
    return tuple(int(v) for v in values)


def _padding(size, kernel, stride, dilation, mode):
    """(left, right) padding of one dimension; "same" follows TensorFlow
    (any odd extra pixel goes on the right)."""
    if mode == "valid":
        return 0, 0
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _output_size(size, kernel, stride, dilation, mode):
    if size is None:
        return None
    if mode == "same":
        return math.ceil(size / stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


class ConvLSTMCell(BaseRNNCell):
    """Cell of a convolutional LSTM over `rank` spatial dimensions.

    Args:
        rank: 1, 2 or 3.
        filters, kernel_size, strides, padding, data_format, dilation_rate:
            of the input convolution (the recurrent one is stride 1, "same").
        Other arguments: as in `LSTMCell`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in _CONV:
            raise ValueError(
                f"Invalid value for argument `rank`. Expected 1, 2 or 3. "
                f"Received: rank={rank!r}"
            )
        self.rank = rank
        self.filters = check_units(filters, "filters")
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        if not isinstance(padding, str) or padding.lower() not in (
                "valid", "same"):
            raise ValueError(
                "Invalid value for argument `padding`. Expected 'valid' or "
                f"'same'. Received: padding={padding!r}"
            )
        self.padding = padding.lower()
        self.data_format = lamina_config.standardize_data_format(data_format)
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` is not compatible with `dilation_rate > 1`. "
                f"Received: strides={self.strides}, "
                f"dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.input_spec = InputSpec(ndim=rank + 2)
        # As in Keras: the states are feature maps, sized once built.
        self.state_size = -1

    @property
    def _channels_last(self):
        return self.data_format == "channels_last"

    def build(self, inputs_shape):
        inputs_shape = tuple(inputs_shape)
        if self._channels_last:
            spatial, channels = inputs_shape[1:-1], inputs_shape[-1]
        else:
            spatial, channels = inputs_shape[2:], inputs_shape[1]
        if None in spatial or channels is None:
            raise ValueError(
                "ConvLSTM layers need static spatial and channel dimensions. "
                f"Received: input_shape={inputs_shape}"
            )
        self.spatial_dims, self.input_dim = tuple(spatial), channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, 4 * self.filters),
            name="kernel", initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, 4 * self.filters),
            name="recurrent_kernel", initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(4 * self.filters,), name="bias",
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        filters, base = self.filters, self.bias_initializer

        def forget_bias_ones(shape, dtype=None):
            return torch.cat([
                torch.as_tensor(base((filters,), dtype=dtype)),
                torch.ones((filters,), dtype=to_torch_dtype(dtype)),
                torch.as_tensor(base((2 * filters,), dtype=dtype)),
            ])

        return forget_bias_ones

    # ------------------------------------------------------------------
    # Convolutions on data in `data_format`, kernels in Keras's layout.
    def _conv(self, x, kernel, strides, dilation, mode):
        if self._channels_last:
            x = x.movedim(-1, 1)
        weight = kernel.permute(self.rank + 1, self.rank,
                                *range(self.rank))
        pads = [_padding(size, k, s, d, mode) for size, k, s, d in zip(
            x.shape[2:], self.kernel_size, strides, dilation)]
        if all(left == right for left, right in pads):
            out = _CONV[self.rank](x, weight, None, strides,
                                   [p[0] for p in pads], dilation)
        else:
            flat = [p for pair in reversed(pads) for p in pair]
            out = _CONV[self.rank](F.pad(x, flat), weight, None, strides, 0,
                                   dilation)
        return out.movedim(1, -1) if self._channels_last else out

    @property
    def _channel_axis(self):
        return -1 if self._channels_last else 1

    def _gate_convs(self, x, kernel, masks, strides, dilation, mode):
        """One convolution, or with dropout masks one per gate block (each
        on its own masked input), concatenated on the channel axis."""
        if masks is None:
            return self._conv(x, kernel, strides, dilation, mode)
        blocks = kernel.chunk(4, dim=-1)
        return torch.cat([
            self._conv(apply_mask(x, m), k, strides, dilation, mode)
            for m, k in zip(masks, blocks)], dim=self._channel_axis)

    def _project(self, inputs, input_masks):
        sequence = inputs.dim() == self.rank + 3
        if sequence and input_masks is not None:
            # Masks are per sample: broadcast them over time before folding.
            input_masks = [m.unsqueeze(1).expand_as(inputs).flatten(0, 1)
                           for m in input_masks]
        x = inputs.flatten(0, 1) if sequence else inputs
        out = self._gate_convs(x, self.kernel, input_masks, self.strides,
                               self.dilation_rate, self.padding)
        if self.bias is not None:
            shape = [1] * out.dim()
            shape[self._channel_axis] = -1
            out = out + self.bias.view(shape)
        return out.unflatten(0, inputs.shape[:2]) if sequence else out

    def _step(self, projected, states, recurrent_masks=None):
        h, c = states[0], states[1]
        ones = (1,) * self.rank
        recurrent = self._gate_convs(h, self.recurrent_kernel,
                                     recurrent_masks, ones, ones, "same")
        i, f, g, o = (projected + recurrent).chunk(4, dim=self._channel_axis)
        gate = fast_activation(self.recurrent_activation)
        act = fast_activation(self.activation)
        c = gate(f) * c + gate(i) * act(g)
        h = gate(o) * act(c)
        return h, [h, c]

    # ------------------------------------------------------------------
    def compute_output_shape(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        spatial = inputs_shape[1:-1] if self._channels_last else \
            inputs_shape[2:]
        out = tuple(_output_size(n, k, s, d, self.padding) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides,
                        self.dilation_rate))
        shape = (inputs_shape[0], *out, self.filters) if self._channels_last \
            else (inputs_shape[0], self.filters, *out)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        step = (batch_size, *self.spatial_dims, self.input_dim) if \
            self._channels_last else \
            (batch_size, self.input_dim, *self.spatial_dims)
        shape = self.compute_output_shape(step)[0]
        options = {"dtype": to_torch_dtype(self.compute_dtype),
                   "device": self.kernel.device}
        return [torch.zeros(shape, **options), torch.zeros(shape, **options)]

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(
                self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "recurrent_initializer": serialize_keras_object(
                self.recurrent_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
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
