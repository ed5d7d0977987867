"""AdditiveAttention: Bahdanau-style attention over `[query, value(, key)]`.
"""

import torch

from lamina.layers.attention.attention import Attention
from lamina.layers.registry import register


@register()
class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Scores are `sum(scale * tanh(query + key), axis=-1)` with a learned
    per-feature `scale` of shape `(dim,)`; the rest is as in `Attention`.

    Args:
        use_scale: whether to learn the per-feature `scale`.
        dropout: dropout rate on the attention weights (training only).
        seed: optional int seeding the dropout.

    Call arguments:
        inputs: list `[query, value]` or `[query, value, key]`.
        mask: list `[query_mask, value_mask]`; taken from the inputs' Keras
            masks by default.
        training: whether dropout is applied.
        return_attention_scores: also return the `(B, Tq, Tv)` weights.
        use_causal_mask: forbid attending to later positions.

    Example:
        >>> layer = AdditiveAttention()
        >>> layer([torch.ones(2, 3, 4), torch.ones(2, 5, 4)]).shape
        torch.Size([2, 3, 4])
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(input_shape[0][-1],),
                initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        pairs = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            pairs = self.scale * pairs
        return pairs.sum(dim=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
