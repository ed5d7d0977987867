"""Embedding: maps integer indices to rows of a trainable matrix."""

import warnings

import torch
import torch.nn.functional as F

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.layer import Layer
from lamina.layers.lora import LoRAMixin
from lamina.layers.lora import lora_weight
from lamina.layers.quantized.quantizable import Quantizable
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype
from lamina.utils.tensor_utils import check_index_range


@register()
class Embedding(Quantizable, LoRAMixin, Layer):
    """Turns non-negative integer indices into dense vectors of fixed size.

    Args:
        input_dim: positive int, the vocabulary size (largest index + 1).
        output_dim: positive int, the size of each embedding vector.
        embeddings_initializer: initializer of the `embeddings` matrix.
        embeddings_regularizer: regularizer of the `embeddings` matrix.
        embeddings_constraint: constraint of the `embeddings` matrix.
        mask_zero: whether index 0 is padding; if True the layer outputs the
            mask `inputs != 0`, which downstream layers receive (so index 0
            cannot be a real token and `input_dim` should be vocabulary + 1).
        weights: optional initial `(input_dim, output_dim)` matrix; the layer
            is then built at once.
        lora_rank: optional int; if set, the matrix is frozen and a trainable
            low-rank update `lora_embeddings_a @ lora_embeddings_b` is added
            (LoRA), scaled by `lora_alpha / lora_rank`.
        lora_alpha: the LoRA scale numerator; defaults to `lora_rank`.
        quantization_config: optional `keras.quantizers.QuantizationConfig`
            used when the layer is quantized ("int8", "int4").

    Input shape:
        `(batch, ...)` integer indices (other dtypes are cast to int64).

    Output shape:
        `(batch, ..., output_dim)`.

    Example:
        >>> layer = Embedding(1000, 64)
        >>> layer(torch.randint(0, 1000, (32, 10))).shape
        torch.Size([32, 10, 64])
    """

    _lora_target = "embeddings"
    embeddings = lora_weight("embeddings")
    quantization_kind = "embedding"

    def __init__(self, input_dim, output_dim,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        _check_positive_int(input_dim, "input_dim")
        _check_positive_int(output_dim, "output_dim")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn(
                "Argument `input_length` is deprecated. Just remove it.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self._init_quantization(quantization_config)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        # Indices are never cast to the float compute dtype.
        self.autocast = False
        self._init_lora(lora_rank, lora_alpha)
        if weights is not None:
            self.build()
            self.built = True
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        if self.quantization_mode:
            self.quantized_build((self.input_dim, self.output_dim),
                                 self.quantization_mode,
                                 self.quantization_config)
        if self._builds_float_weight():
            self.embeddings = self.add_weight(
                name="embeddings", shape=(self.input_dim, self.output_dim),
                initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint,
            )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs):
        if self._is_quantized:
            return self.quantized_call(inputs)
        # Unchecked, an out-of-range index is a device-side assert on CUDA.
        check_index_range(
            inputs, self.input_dim,
            f"Embedding '{self.name}' (input_dim={self.input_dim})")
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.to(torch.int64)
        outputs = F.embedding(inputs, self.embeddings)
        dtype = to_torch_dtype(self.compute_dtype)
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize_keras_object(
                self.embeddings_initializer),
            "embeddings_regularizer": serialize_keras_object(
                self.embeddings_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "embeddings_constraint": serialize_keras_object(
                self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": serialize_keras_object(
                self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


def _check_positive_int(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value} "
            f"(of type {type(value).__name__})."
        )
