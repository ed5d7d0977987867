"""Attention: dot-product (Luong-style) attention over `[query, value(, key)]`.
"""

import torch

from lamina import random_masks
from lamina.layers.attention import attention_utils as utils
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor
from lamina.random import SeedGenerator

_SCORE_MODES = ("dot", "concat")


@register()
class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Scores are `query @ key^T` (`score_mode="dot"`) or
    `sum(tanh(query + key))` (`"concat"`); their softmax over the keys
    weights a sum of the values.

    Args:
        use_scale: whether to learn a scalar `scale` multiplying the scores
            (for `"concat"`, the `tanh` argument).
        score_mode: `"dot"` or `"concat"`; `"concat"` adds a learned scalar
            `concat_score_weight`.
        dropout: dropout rate on the attention weights (training only).
        seed: optional int seeding the dropout.

    Call arguments:
        inputs: list `[query, value]` or `[query, value, key]`: `(B, Tq, dim)`,
            `(B, Tv, dim)` and `(B, Tv, dim)`; `key` defaults to `value`.
        mask: list `[query_mask, value_mask]` of `(B, Tq)` / `(B, Tv)` boolean
            masks; taken from the inputs' Keras masks by default.
        training: whether dropout is applied.
        return_attention_scores: also return the `(B, Tq, Tv)` weights.
        use_causal_mask: forbid attending to later positions.

    Example:
        >>> layer = Attention()
        >>> query, value = torch.ones(2, 3, 4), torch.ones(2, 5, 4)
        >>> layer([query, value]).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): invalid value "
                f"for argument `score_mode`. Expected one of {_SCORE_MODES}. "
                f"Received: score_mode={score_mode!r}"
            )
        utils.check_dropout(self, dropout)
        self.seed_generator = SeedGenerator(seed)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones")

    def _calculate_scores(self, query, key):
        """`(B, Tq, Tv)` scores of `(B, Tq, dim)` queries against keys."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            return scores if self.scale is None else scores * self.scale
        pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * torch.tanh(pairs).sum(dim=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """Softmax of the scores (masked positions pushed to ~-inf), dropout,
        and the weighted sum of values. Returns `(output, weights)`."""
        if scores_mask is not None:
            if scores_mask.dim() == 2:
                scores_mask = scores_mask.unsqueeze(-2)
            large = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            scores = torch.where(scores_mask, scores, scores - large)
        weights = torch.softmax(scores, dim=-1)
        if training and self.dropout > 0:
            weights = _dropout(weights, self.dropout, self.seed_generator)
        return torch.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if not use_causal_mask:
            return v_mask
        causal = utils.causal_mask(scores.shape[-2], scores.shape[-1],
                                   scores.device)
        if v_mask is None:
            return causal
        return v_mask.unsqueeze(-2) & causal

    def call(self, inputs, mask=None, training=False,
             return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        if v_mask is not None:
            v_mask = utils.to_bool(v_mask)
        scores = self._calculate_scores(query, key)
        scores_mask = self._calculate_score_mask(scores, v_mask,
                                                 use_causal_mask)
        output, weights = self._apply_scores(scores, value, scores_mask,
                                             training=training)
        if q_mask is not None:
            output = torch.where(utils.to_bool(q_mask).unsqueeze(-1), output,
                                 0.0)
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        self._validate_inputs(input_shape)
        return (*input_shape[0][:-1], input_shape[1][-1])

    def compute_output_spec(self, inputs, mask=None, training=None,
                            return_attention_scores=False,
                            use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        shapes = [x.shape for x in inputs]
        output = KerasTensor(self.compute_output_shape(shapes),
                             dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        key_shape = shapes[2] if len(shapes) > 2 else shapes[1]
        return output, KerasTensor((*shapes[0][:-1], key_shape[-2]),
                                   dtype=self.compute_dtype)

    def _validate_inputs(self, inputs, mask=None):
        where = f"Layer '{self.name}' ({type(self).__name__})"
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{where} must be called on a list of inputs, namely "
                "[query, value] or [query, value, key]. Received: "
                f"inputs={_describe(inputs)}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{where} accepts an inputs list of length 2 or 3, namely "
                "[query, value] or [query, value, key]. Received length: "
                f"{len(inputs)}."
            )
        if mask is None:
            return
        if not isinstance(mask, (list, tuple)):
            raise ValueError(
                f"{where}: the mask must be a list, namely [query_mask, "
                f"value_mask]. Received: mask={_describe(mask)}."
            )
        if not 2 <= len(mask) <= 3:
            raise ValueError(
                f"{where} accepts a mask list of length 2 or 3. Received "
                f"length: {len(mask)}."
            )

    def get_config(self):
        config = super().get_config()
        config.update({
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        })
        return config


def _dropout(x, rate, seed_generator):
    generator = seed_generator.generator(x.device)
    if generator is None and random_masks.row_shard() is None:
        return torch.nn.functional.dropout(x, rate, training=True)
    # Per batch row: under data parallelism, this process's rows of the
    # whole batch's mask.
    keep = random_masks.draw_rows(
        lambda shape: torch.empty(shape, device=x.device).bernoulli_(
            1.0 - rate, generator=generator), x.shape).bool()
    return torch.where(keep, x / (1.0 - rate), 0.0)


def _describe(value):
    shape = getattr(value, "shape", None)
    return f"<{type(value).__name__} of shape {tuple(shape)}>" \
        if shape is not None else repr(value)
