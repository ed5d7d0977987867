"""GroupedQueryAttention: attention where groups of query heads share one
key/value head (GQA; multi-query attention when there is a single one)."""

import math

import torch

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.attention import attention_utils as utils
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.layers.regularization.dropout import Dropout
from lamina.graph.symbolic import KerasTensor
from lamina.saving.serialization import serialize_keras_object


@register("GroupQueryAttention")
class GroupedQueryAttention(Layer):
    """Grouped-query attention (Ainslie et al., 2023).

    Queries get `num_query_heads` heads, keys and values
    `num_key_value_heads`; each key/value head serves
    `num_query_heads // num_key_value_heads` query heads.

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads; must divide
            `num_query_heads`.
        dropout: dropout rate on the attention scores (training only).
        use_bias: whether the projections have biases.
        sliding_window: optional positive int; each query attends only to
            keys less than `sliding_window` positions away.
        flash_attention: None lets torch pick its kernel; True requires the
            flash kernel.
        kernel_initializer, bias_initializer: projection initializers.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: projection constraints.
        use_gate: whether a sigmoid gate computed from the query multiplies
            the attention output before the output projection.
        seed: optional int seeding the score dropout.

    Call arguments:
        query: `(B, T, dim)` tensor.
        value: `(B, S, dim)` tensor.
        key: optional `(B, S, dim)` tensor; defaults to `value`.
        query_mask, value_mask, key_mask: `(B, T)` / `(B, S)` masks;
            default to the inputs' Keras masks.
        attention_mask: boolean `(B, T, S)` mask, True where attention is
            allowed.
        return_attention_scores: also return the `(B, num_query_heads, T, S)`
            scores.
        training: whether dropout is applied.
        use_causal_mask: forbid attending to later positions.

    Example:
        >>> layer = GroupedQueryAttention(head_dim=4, num_query_heads=4,
        ...                               num_key_value_heads=2)
        >>> layer(torch.ones(2, 5, 8), torch.ones(2, 3, 8)).shape
        torch.Size([2, 5, 8])
    """

    # Keras writes its first exported name in configs.
    _keras_class_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads,
                 dropout=0.0, use_bias=True, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("head_dim", head_dim),
                           ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value <= 0:
                raise ValueError(
                    f"Layer '{self.name}' (GroupedQueryAttention): invalid "
                    f"value for argument `{arg}`. Expected a positive "
                    f"integer. Received: {arg}={value!r}"
                )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                f"Layer '{self.name}' (GroupedQueryAttention): "
                "`num_query_heads` must be divisible by "
                f"`num_key_value_heads`. Received: num_query_heads="
                f"{num_query_heads}, num_key_value_heads={num_key_value_heads}"
            )
        utils.check_dropout(self, dropout)
        utils.check_sliding_window(self, sliding_window)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # As in Keras, this also regularizes the layer's own output.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        # Set by `call` for `_compute_attention`, whose signature (Keras's,
        # kept for subclasses) has no such argument.
        self._return_attention_scores = False
        if self._flash_attention and dropout > 0.0:
            raise ValueError(
                f"Layer '{self.name}' (GroupedQueryAttention): dropout is not "
                "supported when flash attention is enabled. Expected "
                f"dropout=0.0 with flash_attention=True. Received: "
                f"dropout={dropout}"
            )

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self._check_shapes(query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        self._query_dense = self._projection(
            "bqm,muh->bquh", self.num_query_heads, "uh", "query", query_shape)
        self._key_dense = self._projection(
            "bkm,mvh->bkvh", self.num_key_value_heads, "vh", "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._projection(
                "bqm,muh->bquh", self.num_query_heads, "uh", "gate",
                query_shape, activation="sigmoid")
        self._value_dense = self._projection(
            "bkm,mvh->bkvh", self.num_key_value_heads, "vh", "value",
            value_shape)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed,
                                      dtype=self.dtype_policy)
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm", output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None,
            name="attention_output", **self._sublayer_kwargs(),
        )
        self._output_dense._maybe_build_from_shapes(
            {"input_shape": (None, None, self.num_query_heads,
                             self.head_dim)})

    def _sublayer_kwargs(self):
        return utils.sublayer_kwargs(
            self.dtype_policy, self.kernel_initializer, self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
        )

    def _projection(self, equation, num_heads, bias_axes, name, input_shape,
                    activation=None):
        layer = EinsumDense(
            equation, output_shape=(None, num_heads, self.head_dim),
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation, name=name, **self._sublayer_kwargs(),
        )
        layer._maybe_build_from_shapes({"input_shape": tuple(input_shape)})
        return layer

    def _check_shapes(self, query_shape, value_shape, key_shape):
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"Layer '{self.name}' (GroupedQueryAttention): the last "
                "dimension of `query_shape` and `value_shape` must be equal. "
                f"Received: query_shape={tuple(query_shape)}, "
                f"value_shape={tuple(value_shape)}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"Layer '{self.name}' (GroupedQueryAttention): all "
                "dimensions of `value` and `key`, except the last one, must "
                f"be equal. Received: value_shape={tuple(value_shape)} and "
                f"key_shape={tuple(key_shape)}"
            )

    def call(self, query, value, key=None, query_mask=None, value_mask=None,
             key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None,
             use_causal_mask=False):
        value, key, value_mask, key_mask = utils.key_value_inputs(
            query, value, key, value_mask, key_mask)
        if query_mask is None:
            query_mask = utils.keras_mask(query)
        if key is not value:
            self._check_shapes(query.shape, value.shape, key.shape)
        attention_mask = utils.as_tensor_like(attention_mask, query)
        causal_only = (
            use_causal_mask and query_mask is None and value_mask is None
            and key_mask is None and attention_mask is None
            and self.sliding_window is None
            and type(self)._compute_attention
            is GroupedQueryAttention._compute_attention
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask=query_mask, value_mask=value_mask,
                key_mask=key_mask, attention_mask=attention_mask,
                use_causal_mask=use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        if self.num_repeats > 1:
            key = torch.repeat_interleave(key, self.num_repeats, dim=2)
            value = torch.repeat_interleave(value, self.num_repeats, dim=2)
        self._return_attention_scores = return_attention_scores
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(
            query, key, value, attention_mask=attention_mask,
            training=training, **extra)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
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
            sliding_window=self.sliding_window)

    def _compute_causal_mask(self, query, value=None):
        """`(1, T, S)` lower-triangular boolean mask."""
        kv_len = query.shape[1] if value is None else value.shape[1]
        return utils.causal_mask(query.shape[1], kv_len, query.device)

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            attention_mask = utils.expand_mask(attention_mask, scores.dim(), 1)
            utils.check_mask_shape(self, attention_mask, scores.shape)
        return utils.masked_softmax(scores, attention_mask)

    def _compute_attention(self, query, key, value, attention_mask=None,
                           training=None, use_causal_mask=False):
        """Attention on projected `(B, T, heads, H)` tensors (keys and values
        already repeated per query head)."""
        return_scores = self._return_attention_scores
        if self._flash_attention and return_scores:
            raise ValueError(
                f"Layer '{self.name}' (GroupedQueryAttention): returning "
                "attention scores is not supported when flash attention is "
                "enabled. Set `flash_attention=None` to get the scores."
            )
        output = utils.fused_attention_or_none(
            self, query, key, value, attention_mask,
            self._inverse_sqrt_head_dim, use_causal_mask, self.dropout,
            training, return_scores, self._flash_attention)
        if output is not None:
            return output, None
        if use_causal_mask:
            attention_mask = utils.with_causal_mask(self, query, value,
                                                    attention_mask)
        query = query * self._inverse_sqrt_head_dim
        scores = torch.einsum(self._dot_product_equation, query, key)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = self._dropout_layer(scores, training=training) \
            if self.dropout > 0.0 else scores
        output = torch.einsum(self._combine_equation, dropped, value)
        return output, scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self._check_shapes(query_shape, value_shape, key_shape)
        return tuple(query_shape)

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
        kv_len = value.shape[1] if key is None else key.shape[1]
        scores_shape = (query.shape[0], self.num_query_heads, query.shape[1],
                        kv_len)
        return output, KerasTensor(scores_shape, dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(
                self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention
