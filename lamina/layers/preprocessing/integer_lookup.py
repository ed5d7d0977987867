"""IntegerLookup: maps integers to vocabulary indices (or back)."""

import numpy as np
import torch

from lamina.layers.preprocessing import _string_hash
from lamina.layers.preprocessing.index_lookup import IndexLookup
from lamina.layers.preprocessing.index_lookup import to_numpy
from lamina.layers.registry import register


@register()
class IntegerLookup(IndexLookup):
    """Maps integer features to contiguous indices from a vocabulary.

    Index 0 is the mask token when `mask_token` is set (`output_mode="int"`
    only), then come `num_oov_indices` OOV indices, then the vocabulary in
    order. `adapt` builds the vocabulary from data: values by descending
    count, ties broken by descending value, truncated to `max_tokens`.
    Inputs are integer tensors (looked up on their device), arrays or
    nested lists (floats are truncated); outputs are torch tensors.

    Args:
        max_tokens: maximum vocabulary size, special tokens included; None
            for no limit.
        num_oov_indices: number of OOV indices (default 1). With more than
            one, an OOV value `x` goes to `x mod num_oov_indices`
            (`oov_method="floormod"`) or to a FarmHash64 bucket of its
            decimal string (`"farmhash"`; SipHash-2-4 if `salt` is set).
            With 0, an OOV input is an error.
        mask_token: value mapped to index 0 in `"int"` mode and dropped by
            the other modes; None (default) for no mask.
        oov_token: the value `invert=True` returns for OOV indices (-1).
        vocabulary: list, tuple, 1D array or path of a text file (one value
            per line); then no `adapt` is needed.
        vocabulary_dtype: only `"int64"`.
        idf_weights: in `"tf_idf"` mode with a `vocabulary`, one inverse
            document frequency per vocabulary entry.
        invert: if True, map indices back to values (`output_mode="int"`).
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` (alias
            `"binary"`), `"count"` or `"tf_idf"`, as in `StringLookup`.
        sparse: return torch sparse COO tensors (encoded modes only).
        pad_to_max_tokens: pad encoded outputs to `max_tokens` features.
        oov_method: `"floormod"` (default) or `"farmhash"`.
        salt: one int or two ints keying the hash (`"farmhash"` only).

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token=-1, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                "If `max_tokens` is set for `IntegerLookup`, it must be "
                f"greater than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                "The value of `num_oov_indices` argument for `IntegerLookup` "
                f"must >= 0. Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(
                "Only `vocabulary_dtype='int64'` is supported at this time. "
                f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices,
            mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
            vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
            invert=invert, output_mode=output_mode, sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
            salt=salt, name=name, **kwargs)
        self._tables = {}  # device -> (version, sorted keys, their indices)

    def adapt(self, data, steps=None):
        """Learns the vocabulary from integer data (see `IndexLookup.adapt`).

        Args:
            data: a list, array or tensor of integers (rank 1: one value per
                document), or an iterable / `PyDataset` of batches.
            steps: number of batches to read from an iterable.
        """
        super().adapt(data, steps=steps)

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config

    def _standardize_token(self, token):
        return None if token is None else int(token)

    def _token_array(self, data):
        return np.asarray(to_numpy(data)).astype(np.int64)

    def _as_tensor(self, inputs):
        if isinstance(inputs, torch.Tensor):
            return inputs.long()
        return torch.as_tensor(np.asarray(inputs)).long().to(
            self._device_anchor.device)

    def _sorted_table(self, device):
        cached = self._tables.get(device)
        if cached is None or cached[0] != self._version:
            keys = torch.tensor(self._tokens, dtype=torch.int64)
            keys, order = keys.sort()
            cached = (self._version, keys.to(device),
                      (order + self._token_start_index()).to(device))
            self._tables[device] = cached
        return cached[1], cached[2]

    def _lookup(self, inputs):
        values = self._as_tensor(inputs)
        mask_value, missing = self._ids_defaults()
        keys, indices = self._sorted_table(values.device)
        if len(keys):
            flat = values.reshape(-1)
            position = torch.searchsorted(keys, flat).clamp_(max=len(keys) - 1)
            found = keys[position] == flat
            ids = torch.where(found, indices[position], missing)
            ids = ids.reshape(values.shape)
        else:
            ids = torch.full_like(values, missing)
        if self.mask_token is not None:
            ids = torch.where(values == int(self.mask_token), mask_value, ids)
        if missing == -1:
            absent = ids == -1
            if self.num_oov_indices == 0:
                if bool(absent.any()):
                    self._raise_oov(values[absent].tolist())
                return ids
            ids = torch.where(absent, self._oov_buckets(values, absent), ids)
        return ids

    def _oov_buckets(self, values, absent):
        start = self._oov_start_index()
        if self.oov_method != "farmhash":
            return torch.remainder(values, self.num_oov_indices) + start
        # FarmHash of the decimal string, as TensorFlow's `as_string` writes.
        buckets = torch.zeros_like(values)
        found = values[absent].tolist()
        hashed = {}
        for value in dict.fromkeys(found):
            data = str(value).encode()
            digest = _string_hash.fingerprint64(data) if self.salt is None \
                else _string_hash.siphash24(self.salt, data)
            hashed[value] = digest % self.num_oov_indices + start
        buckets[absent] = torch.tensor([hashed[v] for v in found],
                                       dtype=torch.int64,
                                       device=values.device)
        return buckets

    def _invert_lookup(self, inputs):
        ids = self._as_tensor(inputs)
        oov = -1 if self.oov_token is None else int(self.oov_token)
        table = torch.tensor(list(self._tokens) + [oov], dtype=torch.int64,
                             device=ids.device)
        position = ids - self._token_start_index()
        valid = (position >= 0) & (position < len(self._tokens))
        outputs = table[torch.where(valid, position, len(self._tokens))]
        if self.mask_token is not None:
            outputs = torch.where(ids == 0, int(self.mask_token), outputs)
        return outputs
