"""MultiHeadAttention: scaled dot-product attention over several heads, with
EinsumDense projections laid out as in Keras 3."""

import math

import torch

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.attention import attention_utils as utils
from lamina.layers.attention.einsum_equations import attention_equations
from lamina.layers.attention.einsum_equations import projection_equation
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.regularization.dropout import Dropout
from lamina.graph.symbolic import KerasTensor
from lamina.saving.serialization import serialize_keras_object


@register()
class MultiHeadAttention(Layer):
    """Multi-head attention ("Attention is all you need", Vaswani et al.).

    `query`, `key` and `value` are projected to `num_heads` heads, the
    scaled query-key dot products are softmaxed into attention scores, the
    values are averaged with them and the heads are projected back. With
    `query`, `value` (and `key`) the same tensor this is self-attention.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value; defaults to `key_dim`.
        dropout: dropout rate on the attention scores (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (int or tuple); defaults
            to the query's last dimension.
        attention_axes: axes attended over; None means every axis but the
            batch, heads and features axes.
        sliding_window: optional positive int; each query attends only to
            keys less than `sliding_window` positions away.
        flash_attention: None lets torch pick its kernel; True requires the
            flash kernel (no dropout, no returned scores).
        kernel_initializer, bias_initializer: projection initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers of the projections.
        kernel_constraint, bias_constraint: projection constraints.
        use_gate: whether a sigmoid gate computed from the query multiplies
            the attention output before the output projection.
        seed: optional int seeding the score dropout.

    Call arguments:
        query: `(B, T, dim)` tensor.
        value: `(B, S, dim)` tensor.
        key: optional `(B, S, dim)` tensor; defaults to `value`.
        query_mask, value_mask, key_mask: `(B, T)` / `(B, S)` masks. The query
            mask always comes from the query's Keras mask; value and key masks
            default to theirs.
        attention_mask: boolean `(B, T, S)` mask, True where attention is
            allowed; broadcast over the heads (and missing batch dims).
        return_attention_scores: also return the `(B, heads, T, S)` scores.
        training: whether dropout is applied.
        use_causal_mask: forbid attending to later positions.

    Example:
        >>> layer = MultiHeadAttention(num_heads=2, key_dim=2)
        >>> target, source = torch.ones(1, 8, 16), torch.ones(1, 4, 16)
        >>> out, scores = layer(target, source, return_attention_scores=True)
        >>> tuple(out.shape), tuple(scores.shape)
        ((1, 8, 16), (1, 2, 8, 4))
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0,
                 use_bias=True, output_shape=None, attention_axes=None,
                 sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value, optional in (("num_heads", num_heads, False),
                                     ("key_dim", key_dim, False),
                                     ("value_dim", value_dim, True)):
            if optional and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value <= 0:
                raise ValueError(
                    f"Layer '{self.name}' (MultiHeadAttention): invalid value "
                    f"for argument `{arg}`. Expected a positive integer"
                    f"{' or None' if optional else ''}. Received: "
                    f"{arg}={value!r}"
                )
        utils.check_dropout(self, dropout)
        utils.check_sliding_window(self, sliding_window)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        self._output_shape = _standardize_output_shape(self, output_shape)
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): `attention_axes` "
                "must be an int, list, or tuple. Received: "
                f"attention_axes={attention_axes!r}"
            )
        self._attention_axes = attention_axes
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        if self._flash_attention and dropout > 0.0:
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): dropout is not "
                "supported when flash attention is enabled. Expected "
                f"dropout=0.0 with flash_attention=True. Received: "
                f"dropout={dropout}"
            )

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # Keras keeps the projections in private attributes; its weight files
    # name them by these public properties, which are our module names.
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self._check_key_value_shapes(value_shape, key_shape)
        query_rank, value_rank = len(query_shape), len(value_shape)
        self.query_dense = self._projection(
            "query", query_shape, self._key_dim)
        self.key_dense = self._projection("key", key_shape, self._key_dim)
        if self._use_gate:
            self._gate_dense = self._projection(
                "gate", query_shape, self._value_dim, activation="sigmoid")
        self.value_dense = self._projection(
            "value", value_shape, self._value_dim)
        self._build_attention(value_rank + 1)
        output_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes, output_rank = projection_equation(
            query_rank - 1, bound_dims=2, output_dims=len(output_shape))
        self.output_dense = EinsumDense(
            equation,
            output_shape=[None] * (output_rank - 1 - len(output_shape))
            + list(output_shape),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output", **self._sublayer_kwargs(),
        )
        heads_shape = tuple(query_shape[:-1]) + (self._num_heads,
                                                 self._value_dim)
        self.output_dense._maybe_build_from_shapes(
            {"input_shape": heads_shape})

    def _sublayer_kwargs(self):
        return utils.sublayer_kwargs(
            self.dtype_policy, self._kernel_initializer,
            self._bias_initializer,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
        )

    def _projection(self, name, input_shape, head_size, activation=None):
        equation, bias_axes, output_rank = projection_equation(
            len(input_shape) - 1, bound_dims=1, output_dims=2)
        layer = EinsumDense(
            equation,
            output_shape=[None] * (output_rank - 3)
            + [self._num_heads, head_size],
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation, name=name, **self._sublayer_kwargs(),
        )
        layer._maybe_build_from_shapes({"input_shape": tuple(input_shape)})
        return layer

    def _build_attention(self, rank):
        """Resolves `attention_axes` for projected tensors of `rank` dims and
        builds the score and combination equations."""
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(
                axis if axis >= 0 else (rank - 1) + axis
                for axis in self._attention_axes)
        self._dot_product_equation, self._combine_equation, _ = \
            attention_equations(rank, self._attention_axes)
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed,
                                      dtype=self.dtype_policy)

    def _check_key_value_shapes(self, value_shape, key_shape):
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): all dimensions of "
                "`value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={tuple(value_shape)} and "
                f"key_shape={tuple(key_shape)}"
            )

    def call(self, query, value, key=None, query_mask=None, value_mask=None,
             key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None,
             use_causal_mask=False):
        value, key, value_mask, key_mask = utils.key_value_inputs(
            query, value, key, value_mask, key_mask)
        # As in Keras 3, the query mask is always the query's own mask.
        query_mask = utils.keras_mask(query)
        if key is not value:
            self._check_key_value_shapes(value.shape, key.shape)
        attention_mask = utils.as_tensor_like(attention_mask, query)
        # Causal masking alone runs torch's causal kernel on the fused path
        # instead of a materialized mask (only for the built-in attention).
        causal_only = (
            use_causal_mask and query_mask is None and value_mask is None
            and key_mask is None and attention_mask is None
            and self._sliding_window is None
            and type(self)._compute_attention
            is MultiHeadAttention._compute_attention
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask=query_mask, value_mask=value_mask,
                key_mask=key_mask, attention_mask=attention_mask,
                use_causal_mask=use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        query = self.query_dense(query)
        key = self.key_dense(key)
        value = self.value_dense(value)
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training,
            return_attention_scores, **extra)
        if gate is not None:
            output = output * gate
        output = self.output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention_mask(self, query, value, query_mask=None,
                                value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        """The boolean `(B, T, S)` mask from the inputs' masks, the causal
        and sliding-window masks and `attention_mask`, or None."""
        return utils.combine_masks(
            self, query, value, query_mask=query_mask, value_mask=value_mask,
            key_mask=key_mask, attention_mask=attention_mask,
            use_causal_mask=use_causal_mask,
            sliding_window=self._sliding_window)

    def _compute_causal_mask(self, query, value=None):
        """`(1, T, S)` lower-triangular boolean mask."""
        kv_len = query.shape[1] if value is None else value.shape[1]
        return utils.causal_mask(query.shape[1], kv_len, query.device)

    def _masked_softmax(self, attention_scores, attention_mask=None):
        if attention_mask is not None:
            attention_mask = utils.expand_mask(
                attention_mask, attention_scores.dim(),
                len(self._attention_axes))
            utils.check_mask_shape(self, attention_mask,
                                   attention_scores.shape)
        return utils.masked_softmax(attention_scores, attention_mask,
                                    len(self._attention_axes))

    def _compute_attention(self, query, key, value, attention_mask=None,
                           training=None, return_attention_scores=False,
                           use_causal_mask=False):
        """Attention on projected `(B, T, N, H)` tensors; returns the
        `(B, T, N, H)` output and the scores (None on the fused path)."""
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                f"Layer '{self.name}' (MultiHeadAttention): returning "
                "attention scores is not supported when flash attention is "
                "enabled. Set `flash_attention=None` to get the scores."
            )
        output = utils.fused_attention_or_none(
            self, query, key, value, attention_mask,
            self._inverse_sqrt_key_dim, use_causal_mask, self._dropout,
            training, return_attention_scores, self._flash_attention)
        if output is not None:
            return output, None
        if use_causal_mask:
            attention_mask = utils.with_causal_mask(self, query, value,
                                                    attention_mask)
        query = query * self._inverse_sqrt_key_dim
        scores = torch.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = self._dropout_layer(scores, training=training) \
            if self._dropout > 0.0 else scores
        output = torch.einsum(self._combine_equation, dropped, value)
        return output, scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_key_value_shapes(value_shape, key_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None,
                            value_mask=None, key_mask=None,
                            attention_mask=None,
                            return_attention_scores=False, training=None,
                            use_causal_mask=False):
        key_shape = None if key is None else key.shape
        output = KerasTensor(
            self.compute_output_shape(query.shape, value.shape, key_shape),
            dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        key_shape = value.shape if key is None else key.shape
        return output, KerasTensor(
            self._scores_shape(query.shape, key_shape),
            dtype=self.compute_dtype)

    def _scores_shape(self, query_shape, key_shape):
        """`(<batch dims>, heads, <query attention dims>, <key attention
        dims>)`, from the unprojected shapes."""
        rank = len(query_shape) + 1
        axes = self._attention_axes or tuple(range(1, rank - 2))
        axes = tuple(a if a >= 0 else rank - 1 + a for a in axes)
        q = tuple(query_shape[:-1]) + (self._num_heads,)
        k = tuple(key_shape[:-1]) + (self._num_heads,)
        batch = [q[i] for i in range(rank - 1) if i not in axes]
        return tuple(batch + [q[i] for i in axes] + [k[i] for i in axes])

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": serialize_keras_object(
                self._kernel_initializer),
            "bias_initializer": serialize_keras_object(
                self._bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self._kernel_regularizer),
            "bias_regularizer": serialize_keras_object(
                self._bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self._activity_regularizer),
            "kernel_constraint": serialize_keras_object(
                self._kernel_constraint),
            "bias_constraint": serialize_keras_object(self._bias_constraint),
            "seed": self.seed,
        })
        return config


def _standardize_output_shape(layer, output_shape):
    if not output_shape:
        return output_shape
    if isinstance(output_shape, int):
        return (output_shape,)
    try:
        return tuple(output_shape)
    except TypeError:
        raise ValueError(
            f"Layer '{layer.name}' (MultiHeadAttention): invalid "
            "`output_shape`. Expected an int, tuple or list. Received: "
            f"output_shape={output_shape!r}"
        ) from None
