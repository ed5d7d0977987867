"""StringLookup: maps strings to vocabulary indices (or back)."""

import itertools

import numpy as np
import torch

from lamina.layers.preprocessing import _string_hash
from lamina.layers.preprocessing.index_lookup import IndexLookup
from lamina.layers.registry import register


@register()
class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary, or encodes them.

    Index 0 is the mask token when `mask_token` is set (`output_mode="int"`
    only), then come `num_oov_indices` OOV indices, then the vocabulary in
    order. `adapt` builds the vocabulary from data: tokens by descending
    count, ties broken by descending token, truncated to `max_tokens`.

    Torch has no string tensors, so the inputs are Python strings (or
    bytes, decoded with `encoding`): a `str`, a (nested) list, or a NumPy
    array of `str`/`bytes`/`object`. Outputs are torch tensors (int64
    indices; int64 one-hot/multi-hot/count vectors; floatx TF-IDF), on the
    layer's device. With `invert=True` the layer takes indices and returns
    a NumPy array of `str`. Use it before a model (on the data, or in a
    `PyDataset.__getitem__`), or as the first layer of a model called on a
    NumPy string array; a symbolic `Input(dtype="string")` is not
    available since torch has no string dtype.

    Args:
        max_tokens: maximum vocabulary size, special tokens included; None
            for no limit.
        num_oov_indices: number of OOV indices (default 1). With more than
            one, an OOV string goes to `FarmHash64(string) % num_oov_indices`
            (SipHash-2-4 keyed by `salt` if given), as in Keras. With 0, an
            OOV input is an error.
        mask_token: token mapped to index 0 in `"int"` mode and dropped by
            the other modes; None (default) for no mask.
        oov_token: the token `invert=True` returns for OOV indices.
        vocabulary: list, tuple, 1D array or path of a text file (one token
            per line); then no `adapt` is needed.
        idf_weights: in `"tf_idf"` mode with a `vocabulary`, one inverse
            document frequency per vocabulary entry.
        invert: if True, map indices to strings (`output_mode="int"` only).
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` (alias
            `"binary"`), `"count"` or `"tf_idf"`. `"one_hot"` encodes each
            element (replacing a trailing axis of size 1); `"multi_hot"`,
            `"count"` and `"tf_idf"` reduce axis 1 of a batch (a rank-1
            input is one sample).
        pad_to_max_tokens: pad encoded outputs to `max_tokens` features.
        sparse: return torch sparse COO tensors (encoded modes only).
        encoding: text encoding of bytes inputs (default `"utf-8"`).
        salt: one int or two ints keying the OOV hash.

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]])
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token="[UNK]", vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", pad_to_max_tokens=False,
                 sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices,
            mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
            idf_weights=idf_weights, invert=invert, output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
            salt=salt, vocabulary_dtype="string", **kwargs)
        self._cache = None  # (vocabulary version, token -> index dict)

    def adapt(self, data, steps=None):
        """Learns the vocabulary from string data (see `IndexLookup.adapt`).

        Args:
            data: a list or NumPy array of strings (rank 1: one string per
                document), or an iterable / `PyDataset` of batches.
            steps: number of batches to read from an iterable.
        """
        super().adapt(data, steps=steps)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]  # strings are the only choice
        config["encoding"] = self.encoding
        return config

    def _standardize_token(self, token):
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        return str(token) if isinstance(token, np.str_) else token

    def _token_array(self, data):
        return string_array(data, self.encoding)

    def _lookup(self, inputs):
        strings = self._token_array(inputs)
        ids = self.lookup_strings(strings.ravel().tolist())
        return ids.reshape(strings.shape).to(self._device_anchor.device)

    def lookup_strings(self, tokens):
        """Indices (an int64 CPU tensor) of a flat list of `str` tokens."""
        mask_value, missing = self._ids_defaults()
        if self._cache is None or self._cache[0] != self._version:
            start = self._token_start_index()
            table = {t: i for i, t in enumerate(self._tokens, start)}
            if self.mask_token is not None:
                table[self.mask_token] = mask_value
            self._cache = (self._version, table)
        ids = np.fromiter(
            map(self._cache[1].get, tokens, itertools.repeat(missing)),
            dtype=np.int64, count=len(tokens))
        if missing == -1:
            absent = np.flatnonzero(ids == -1)
            if len(absent) and self.num_oov_indices == 0:
                self._raise_oov([tokens[i] for i in absent])
            if len(absent):
                ids[absent] = self._oov_buckets([tokens[i] for i in absent])
        return torch.from_numpy(ids)

    def _oov_buckets(self, tokens):
        unique = list(dict.fromkeys(tokens))
        buckets = {}
        for token in unique:
            data = token.encode(self.encoding) if isinstance(token, str) \
                else str(token).encode()
            value = _string_hash.fingerprint64(data) if self.salt is None \
                else _string_hash.siphash24(self.salt, data)
            buckets[token] = value % self.num_oov_indices + \
                self._oov_start_index()
        return [buckets[t] for t in tokens]

    def _invert_lookup(self, inputs):
        if isinstance(inputs, torch.Tensor):
            ids = inputs.detach().cpu().numpy()
        else:
            ids = np.asarray(inputs)
        ids = ids.astype(np.int64)
        start = self._token_start_index()
        table = np.array(list(self._tokens) + [self.oov_token], dtype=object)
        position = ids - start
        position = np.where((position >= 0) & (position < len(self._tokens)),
                            position, len(self._tokens))
        outputs = table[position]
        if self.mask_token is not None:
            outputs = np.where(ids == 0, self.mask_token, outputs)
        if all(isinstance(t, str) for t in (self.oov_token, self.mask_token)
               if t is not None) or outputs.size == 0:
            return outputs.astype(str)
        return outputs


def string_array(data, encoding="utf-8"):
    """`data` as a NumPy object array of `str` (bytes decoded)."""
    if isinstance(data, torch.Tensor):
        raise TypeError(
            "Expected strings: a `str`, a list or a NumPy array of str/bytes."
            f" Received: a torch.Tensor of dtype {data.dtype}. Torch tensors "
            "cannot hold strings.")
    if isinstance(data, (str, bytes)):
        array = np.empty((), dtype=object)
        array[()] = data
    elif isinstance(data, np.ndarray) and data.dtype.kind in "US":
        array = data.astype(object)
    else:
        array = np.asarray(data, dtype=object)
        if array.size and array.ndim and isinstance(
                array.flat[0], (list, tuple)):
            raise ValueError(
                "Expected a rectangular batch of strings. Received a ragged "
                "nested list; pad the rows to equal length first.")
    flat = array.ravel()
    if any(isinstance(v, bytes) for v in flat):
        array = np.array([v.decode(encoding) if isinstance(v, bytes) else v
                          for v in flat], dtype=object).reshape(array.shape)
    return array
