"""ReversibleEmbedding: an Embedding that also maps hidden states back to
logits over the vocabulary (`reverse=True`), with tied or separate
weights."""

import torch

from lamina.graph import KerasTensor
from lamina.layers.core.embedding import Embedding
from lamina.layers.registry import register
from lamina.utils.dtypes import is_float
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype


@register()
class ReversibleEmbedding(Embedding):
    """Token embeddings, and their reverse: `layer(hidden, reverse=True)`
    gives `hidden @ embeddings.T` (or `hidden @ reverse_embeddings` when
    the weights are not tied), the logits of a language model's head.

    Args:
        input_dim: vocabulary size.
        output_dim: embedding size.
        tie_weights: the reverse projection reuses `embeddings` (True) or
            owns a `reverse_embeddings` weight of shape
            `(output_dim, input_dim)` (False).
        embeddings_initializer, embeddings_regularizer,
        embeddings_constraint, mask_zero: as in `Embedding`.
        reverse_dtype: dtype of the reverse matmul (inputs and kernel are
            cast to it), e.g. `"float32"` under mixed precision.
        logit_soft_cap: when set, logits become
            `tanh(logits / cap) * cap`.

    Call arguments:
        inputs: token ids (forward) or hidden states `(..., output_dim)`
            (reverse).
        reverse: which direction to run.

    Example:

    >>> embedding = ReversibleEmbedding(100, 16)
    >>> hidden = embedding(torch.tensor([[1, 2, 3]]))  # (1, 3, 16)
    >>> embedding(hidden, reverse=True).shape
    torch.Size([1, 3, 100])
    """

    quantization_kind = "reversible_embedding"

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = None if reverse_dtype is None \
            else standardize_dtype(reverse_dtype)
        if logit_soft_cap is not None and not logit_soft_cap > 0:
            raise ValueError(
                "Invalid value for argument `logit_soft_cap` of "
                "ReversibleEmbedding. Expected None or a positive number. "
                f"Received: logit_soft_cap={logit_soft_cap!r}")
        self.logit_soft_cap = logit_soft_cap
        super().__init__(
            input_dim, output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero, **kwargs)

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights and self._builds_float_weight():
            self.reverse_embeddings = self.add_weight(
                name="reverse_embeddings",
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer)

    def call(self, inputs, reverse=False):
        if self._is_quantized:
            return self.quantized_call(inputs, reverse=reverse)
        if not reverse:
            return super().call(inputs)
        kernel = self.embeddings.T if self.tie_weights \
            else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = to_torch_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        else:
            kernel = kernel.to(inputs.dtype)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = torch.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # Hidden states (the reverse direction) carry no padding mask.
        if is_float(inputs.dtype):
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, *, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse=False):
        dtype = self.compute_dtype
        if reverse and self.reverse_dtype is not None:
            dtype = self.reverse_dtype
        shape = self.compute_output_shape(tuple(inputs.shape),
                                          reverse=reverse)
        return KerasTensor(shape, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights,
                       "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
