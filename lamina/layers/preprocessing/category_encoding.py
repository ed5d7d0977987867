"""CategoryEncoding: one-hot, multi-hot or count encoding of integer
features."""

import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _encoding
from lamina.layers.registry import register
from lamina.graph import symbolic
from lamina.utils.tensor_utils import check_index_range


@register()
class CategoryEncoding(Layer):
    """Encodes integer features in `[0, num_tokens)` as dense vectors.

    `"one_hot"` encodes each index as its own vector (a trailing axis of
    size 1 is replaced); `"multi_hot"` marks, per sample, which indices
    occur; `"count"` counts them (optionally weighted by `count_weights`).
    A rank-1 input is one sample for `"multi_hot"` and `"count"`. Negative
    indices encode to zeros; indices `>= num_tokens` are a `ValueError`
    on every device.

    Args:
        num_tokens: the number of categories (the output's last size).
        output_mode: `"multi_hot"` (default; alias `"binary"`), `"one_hot"`
            or `"count"`.
        sparse: if True, return a torch sparse COO tensor.

    Call arguments:
        inputs: integer tensor, array or nested list.
        count_weights: weights of each input for `output_mode="count"`.

    Example:
        >>> CategoryEncoding(4, output_mode="one_hot")(np.array([3, 0]))
        tensor([[0., 0., 0., 1.],
                [1., 0., 0., 0.]])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _encoding.check_output_mode("CategoryEncoding", output_mode,
                                    ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError(
                "Argument `num_tokens` of CategoryEncoding must be set. If "
                "the number of tokens is unknown, use IntegerLookup instead."
            )
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) \
                or num_tokens < 1:
            raise ValueError(
                "Invalid value for argument `num_tokens` of CategoryEncoding."
                f" Expected an integer >= 1. Received: num_tokens="
                f"{num_tokens!r}"
            )
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(inputs, device=config.default_device())
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` of CategoryEncoding is only used with "
                    f"output_mode='count'. Received output_mode="
                    f"{self.output_mode!r}"
                )
            count_weights = torch.as_tensor(
                count_weights, dtype=self.dtype_policy.torch_compute_dtype,
                device=inputs.device)
        # Unchecked, a value >= num_tokens is a device-side assert on CUDA.
        check_index_range(inputs, self.num_tokens,
                          f"CategoryEncoding '{self.name}'", lower=None)
        return _encoding.encode_categorical_inputs(
            inputs, self.output_mode, self.num_tokens, self.dtype,
            sparse=self.sparse, count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return _encoding.encoded_shape(input_shape, self.output_mode,
                                       self.num_tokens)

    def compute_output_spec(self, inputs, count_weights=None):
        shape = self.compute_output_shape(inputs.shape)
        return symbolic.KerasTensor(shape, dtype=self.compute_dtype,
                                    sparse=self.sparse)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_tokens": self.num_tokens,
                        "output_mode": self.output_mode})
        return config_
