"""Hashing: maps strings or integers to a fixed number of bins."""

import numpy as np
import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _encoding
from lamina.layers.preprocessing import _string_hash
from lamina.layers.registry import register
from lamina.graph import symbolic


def to_numpy_values(inputs):
    """Strings (lists or NumPy arrays) as a NumPy object/str array; numeric
    data as a NumPy array; tensors are read back to the host."""
    if isinstance(inputs, torch.Tensor):
        return inputs.detach().cpu().numpy()
    return np.asarray(inputs)


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(value).encode("utf-8")


@register()
class Hashing(Layer):
    """Hashes each value into one of `num_bins` bins.

    Values are hashed as strings, as in Keras (TensorFlow): integers by
    their decimal form and floats after truncation to int64. Without a
    salt the hash is FarmHash Fingerprint64; with a salt it is SipHash-2-4
    keyed by the salt. The bin is the hash modulo `num_bins`, so bins equal
    Keras's for the same values. With `mask_value`, that value maps to bin 0
    and the others to `[1, num_bins)`.

    Torch has no string tensors: pass strings as (nested) Python lists or
    NumPy arrays of `str`/`bytes`. Hashing runs on the host over the
    distinct values of the input.

    Args:
        num_bins: number of bins, including the mask bin if `mask_value` is
            set.
        mask_value: a value mapped to bin 0, or None.
        salt: None (fast hash), an int, or a pair of ints keying the strong
            hash (an int `s` means `[s, s]`).
        output_mode: `"int"` (default; bin indices, int64), `"one_hot"`,
            `"multi_hot"` or `"count"` (float vectors of size `num_bins`).
        sparse: return a torch sparse COO tensor (non-`"int"` modes).

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]])
        tensor([[1],
                [0],
                [1],
                [1],
                [2]])
    """

    def __init__(self, num_bins, mask_value=None, salt=None,
                 output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else \
                config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or \
                not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(
                "Invalid value for argument `num_bins` of Hashing. Expected "
                f"a positive integer. Received: num_bins={num_bins!r}"
            )
        _encoding.check_output_mode("Hashing", output_mode)
        if output_mode == "int" and self.dtype_policy.name not in (
                "int32", "int64"):
            raise ValueError(
                "With output_mode='int', the `dtype` of Hashing must be "
                f"'int32' or 'int64'. Received: dtype={kwargs['dtype']!r}"
            )
        if sparse and output_mode == "int":
            raise ValueError(
                "Argument `sparse=True` of Hashing needs output_mode "
                "'one_hot', 'multi_hot' or 'count'. Received: "
                f"output_mode={output_mode!r}"
            )
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
                    isinstance(s, int) for s in salt):
                self.salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    "Invalid value for argument `salt` of Hashing. Expected "
                    "an int or a pair of ints. Received: salt="
                    f"{salt!r}"
                )

    def _convert_inputs(self, args):
        # String arrays cannot become tensors; `call` reads them as NumPy.
        return args

    def _hash(self, value):
        data = _as_bytes(value)
        if self.strong_hash:
            return _string_hash.siphash24(self.salt, data)
        return _string_hash.fingerprint64(data)

    def hash_values_to_bins(self, values):
        """Bin indices (int64 NumPy array) of a NumPy array of values."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = np.broadcast_to(values == self.mask_value, values.shape)
        if values.dtype.kind == "f":
            values = values.astype("int64")
        elif values.dtype.kind == "b":
            # TensorFlow writes booleans as "true"/"false".
            values = np.where(values, "true", "false")
        unique, inverse = np.unique(values.reshape(-1), return_inverse=True)
        hashed = np.array([self._hash(v.item() if hasattr(v, "item") else v)
                           % bins for v in unique], dtype="int64")
        indices = hashed[inverse].reshape(values.shape)
        if mask is not None:
            indices = np.where(mask, 0, indices + 1)
        return indices

    def call(self, inputs):
        device = inputs.device if isinstance(inputs, torch.Tensor) else \
            config.default_device()
        values = to_numpy_values(inputs)
        if self.output_mode == "one_hot" and values.ndim and \
                values.shape[-1] == 1:
            values = values.squeeze(-1)
        indices = torch.as_tensor(self.hash_values_to_bins(values),
                                  device=device)
        return _encoding.encode_categorical_inputs(
            indices, self.output_mode, self.num_bins, self.dtype,
            sparse=self.sparse)

    def compute_output_shape(self, input_shape):
        return _encoding.encoded_shape(input_shape, self.output_mode,
                                       self.num_bins)

    def compute_output_spec(self, inputs):
        return symbolic.KerasTensor(self.compute_output_shape(inputs.shape),
                                    dtype=self.dtype, sparse=self.sparse)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        })
        return config_

