"""GRUCell: the gated recurrent unit step, gates z (update), r (reset), h."""

from lamina import activations
from lamina.layers.registry import register
from lamina.layers.rnn.base_cell import DenseRNNCell
from lamina.layers.rnn.base_cell import apply_mask
from lamina.layers.rnn.base_cell import fast_activation


@register()
class GRUCell(DenseRNNCell):
    """Cell of a GRU (Cho et al., 2014).

    Weights are Keras's: `kernel` (input_dim, 3 * units) and
    `recurrent_kernel` (units, 3 * units) with the update (z), reset (r) and
    candidate (h) blocks in that order; `bias` is (2, 3 * units) (input and
    recurrent biases) when `reset_after=True`, else (3 * units,).

    Args:
        units: positive int, the size of the output and state.
        activation: of the candidate (default tanh).
        recurrent_activation: of the gates (default sigmoid).
        use_bias: whether to add biases.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of the three weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights.
        dropout: float in [0, 1], fraction of the inputs dropped in training
            (one mask per sequence).
        recurrent_dropout: float in [0, 1], the same for the recurrent state
            (then each gate draws its own masks, as Keras does).
        reset_after: apply the reset gate after the recurrent matmul (True,
            cuDNN's and torch's formulation) or before it (False).
        seed: optional int seeding the dropout masks.

    Call arguments:
        inputs: a `(batch, features)` tensor, one timestep.
        states: a list holding the previous `(batch, units)` state.
        training: whether dropout applies.

    Example:
        >>> layer = RNN(GRUCell(8))  # computes what GRU(8) computes
    """

    gates = 3

    def __init__(self, units, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
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
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self):
        """(input bias, recurrent bias); either may be None."""
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def _project(self, inputs, input_masks):
        return self._matmul(inputs, self.kernel, input_masks,
                            self._biases()[0])

    def _step(self, projected, states, recurrent_masks=None):
        h = states[0]
        units = self.units
        gate = fast_activation(self.recurrent_activation)
        x_z, x_r, x_h = projected.split(units, dim=-1)
        masks = recurrent_masks
        if isinstance(masks, (list, tuple)):
            masks_zr, mask_h = masks[:2], masks[2]
        else:
            masks_zr, mask_h = masks, masks
        if self.reset_after:
            inner = self._matmul(h, self.recurrent_kernel,
                                 masks, self._biases()[1])
            h_z, h_r, h_h = inner.split(units, dim=-1)
            z = gate(x_z + h_z)
            r = gate(x_r + h_r)
            recurrent_h = r * h_h
        else:
            inner = self._matmul(h, self.recurrent_kernel[:, :2 * units],
                                 masks_zr)
            h_z, h_r = inner.split(units, dim=-1)
            z = gate(x_z + h_z)
            r = gate(x_r + h_r)
            h_masked = h if mask_h is None else apply_mask(h, mask_h)
            recurrent_h = (r * h_masked) @ self.recurrent_kernel[:, 2 * units:]
        candidate = fast_activation(self.activation)(x_h + recurrent_h)
        h = z * h + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(
            self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config
