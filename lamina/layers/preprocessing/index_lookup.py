"""IndexLookup: the vocabulary table behind StringLookup and IntegerLookup.

Index assignment is Keras's: the mask token (output_mode "int" only) takes
index 0, the `num_oov_indices` OOV indices come next, then the vocabulary.
`adapt` orders tokens by descending count, ties broken by descending token
(code point order for strings, which is also Keras's UTF-8 byte order).
"""

import collections
import itertools
import os

import numpy as np
import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _encoding
from lamina.graph import symbolic
from lamina.saving import serialization
from lamina.utils.dtypes import to_torch_dtype

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
# Masked tokens in the non-"int" modes: negative indices encode to zeros.
DROPPED = -2


class IndexLookup(Layer):
    """Maps tokens to integer indices through a vocabulary (shared base).

    Not a public layer: `StringLookup` and `IntegerLookup` document the
    arguments. Subclasses define `_lookup`, `_invert_lookup` and
    `_token_array`.
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token,
                 vocabulary_dtype, vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set "
                             f"`max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                "`num_oov_indices` must be greater than or equal to 0. "
                f"Received: num_oov_indices={num_oov_indices}")
        validate_choice(oov_method, ("floormod", "farmhash"),
                        type(self).__name__, "oov_method")
        salt = _standardize_salt(salt, vocabulary_dtype, oov_method)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(
            output_mode, output_mode)
        validate_choice(output_mode, OUTPUT_MODES, type(self).__name__,
                        "output_mode")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is "
                             f"true. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(
                "`sparse` may only be true if `output_mode` is `'one_hot'`, "
                "`'multi_hot'`, `'count'` or `'tf_idf'`. Received: "
                f"sparse={sparse} and output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is "
                f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                f"output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None)
        # As in Keras, a lookup's dtype policy and `trainable` are fixed: the
        # values a config carries for them are accepted and dropped.
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError("Unrecognized keyword argument(s) passed to "
                             f"{type(self).__name__}: {kwargs}")
        super().__init__(name=name)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        # `get_config` reports the vocabulary given at construction; a file
        # path is reported as None, as Keras does.
        self.input_vocabulary = None if isinstance(vocabulary, str) \
            else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = None  # None: no vocabulary yet (Keras: no table)
        self._version = 0  # bumped on every vocabulary change (for caches)
        self._adapted_empty = False
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0
        # Host-side lookups put their outputs where this empty buffer
        # lives, so they follow `layer.to(device)` as weights do.
        self.register_buffer("_device_anchor", torch.empty(
            0, device=config.default_device()), persistent=False)
        self.register_buffer("idf_weights", None, persistent=False)
        if output_mode == "tf_idf" and self._has_input_vocabulary and \
                idf_weights is None:
            raise ValueError(
                "When specifying the `vocabulary` argument, in TF-IDF output "
                "mode, the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------------
    # Index layout and vocabulary
    def _oov_start_index(self):
        return int(self.mask_token is not None and self.output_mode == "int")

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def get_vocabulary(self, include_special_tokens=True):
        """Returns the vocabulary: entry `i` is the token of index `i`.

        Args:
            include_special_tokens: if False, leave out the mask and OOV
                tokens (list positions then no longer equal indices).
        """
        start = self._token_start_index()
        vocab = [self.oov_token] * start + list(self._tokens or [])
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[start:]

    def vocabulary_size(self):
        """The vocabulary size, mask and OOV indices included."""
        return len(self._tokens or []) + self._token_start_index()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replaces the vocabulary (and IDF weights) with known values.

        Args:
            vocabulary: a list, tuple, 1D array or tensor of tokens, or the
                path of a text file with one token per line. The special
                tokens may lead the list in index order (mask, then OOV).
            idf_weights: one weight per vocabulary entry; required in
                `"tf_idf"` mode and forbidden otherwise.
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(
                "`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is "
                f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            return self._set_vocabulary_from_file(vocabulary)
        vocabulary = [self._standardize_token(v)
                      for v in to_numpy(vocabulary).tolist()] \
            if isinstance(vocabulary, (np.ndarray, torch.Tensor)) \
            else [self._standardize_token(v) for v in vocabulary]
        if not vocabulary:
            raise ValueError(
                "Cannot set an empty vocabulary. Received: vocabulary=[]")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:start] == special
        tokens = vocabulary[start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please "
                f"uniquify your dataset. The repeated terms are: {repeated}")
        for kind, token in (("mask", self.mask_token),
                            ("OOV", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                index = len(vocabulary) - 1 - vocabulary[::-1].index(token)
                raise ValueError(
                    f"Found reserved {kind} token at unexpected location in "
                    "`vocabulary`. Note that passed `vocabulary` does not need "
                    "to include the OOV and mask tokens. Either remove all "
                    "mask and OOV tokens, or include them only at the start of "
                    f"the vocabulary in precisely this order: {special}. "
                    f"Received: {kind.lower()}_token={token} at vocabulary "
                    f"index [{index}]")
        new_size = start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab "
                f"size. Received vocabulary size is {new_size}; `max_tokens` "
                f"is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf_from_user(to_numpy(idf_weights), len(vocabulary),
                                    found_special)

    def _set_vocabulary_from_file(self, path):
        # While a model loads in safe mode, reading arbitrary files is refused
        # (Keras's rule); outside loading a path is always allowed.
        if serialization.loading_in_safe_mode():
            raise ValueError(
                "Requested the loading of a vocabulary file outside of the "
                "model archive, which safe mode disallows. If you trust the "
                "source, pass `safe_mode=False` to the loading function. "
                f"Vocabulary file: '{path}'")
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading "
                             "a vocabulary from file.")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, 1):
            if not line.rstrip(b"\r"):
                raise ValueError(f"Invalid content in {path}: empty line found "
                                 f"at line {number}.")
        tokens = [self._standardize_token(line.rstrip(b"\r"))
                  for line in lines]
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"The vocabulary file {path} has repeated terms: "
                             f"{repeated}")
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        self._version += 1
        self._record_vocabulary_size()

    def _set_idf_from_user(self, weights, vocab_length, found_special):
        if len(weights) != vocab_length:
            raise ValueError(
                "`idf_weights` must be the same length as vocabulary. "
                f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                f"{vocab_length}")
        weights = np.asarray(weights, dtype="float64")
        if weights.ndim != 1:
            raise ValueError("TF-IDF data must be a 1-index array. Received: "
                             f"idf_weights with shape {weights.shape}")
        # Special tokens have no document frequency: they get the mean weight.
        front = 0 if found_special else self._token_start_index()
        back = self.max_tokens - front - len(weights) \
            if self.pad_to_max_tokens else 0
        self._store_idf(np.pad(weights, (front, back), constant_values=(
            np.average(weights) if front else 0, 0)))

    def _store_idf(self, weights):
        self.idf_weights = torch.as_tensor(
            np.asarray(weights), dtype=to_torch_dtype(config.floatx())
        ).to(self._device_anchor.device)

    def _record_vocabulary_size(self):
        self._ensure_vocab_size_unchanged()
        self._frozen_vocab_size = self.vocabulary_size()

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, you must set the layer's "
                "vocabulary before calling it. Either pass a `vocabulary` "
                "argument to the layer, or call `adapt` with some sample data.")

    def _ensure_vocab_size_unchanged(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        size = self.vocabulary_size()
        if self._frozen_vocab_size is not None and \
                size != self._frozen_vocab_size:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and "
                "`pad_to_max_tokens=False`, the vocabulary size cannot be "
                "changed after the layer is called. Old vocab size is "
                f"{self._frozen_vocab_size}, new vocab size is {size}")

    def _ensure_vocabulary(self):
        if self._tokens is not None:
            return
        reason = " (`adapt()` found no tokens in its data)" \
            if self._adapted_empty else ""
        raise RuntimeError(
            f"Layer '{self.name}' ({type(self).__name__}) has no vocabulary"
            f"{reason}. Call `adapt()` on sample data, pass a `vocabulary` "
            "argument or call `set_vocabulary()` before calling the layer.")

    # ------------------------------------------------------------------
    # Adapt
    def adapt(self, data, steps=None):
        """Learns the vocabulary (and document frequencies) from data.

        Args:
            data: a list, tuple or NumPy array of tokens (in a rank-1 array
                each token is one document), or an iterable of batches: a
                generator, an iterator or a `PyDataset` (of a batch
                `(x, y, ...)` only `x` is used; a rank-1 batch is one
                document, as in Keras).
            steps: how many batches to read from an iterable; ignored for
                arrays.
        """
        self.reset_state()
        if is_batch_iterable(data):
            for batch in iterate_batches(data, steps):
                self.update_state(batch)
        else:
            array = self._token_array(data)
            self.update_state(array[:, None] if array.ndim == 1 else array)
        self.finalize_state()

    def update_state(self, data):
        """Accumulates the token counts of one batch (rank 1: one document)."""
        array = self._token_array(data)
        array = array.reshape(1, -1) if array.ndim < 2 else array
        width = int(np.prod(array.shape[1:]))
        self._update_rows(array.reshape(len(array), width).tolist())

    def _update_rows(self, rows):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static "
                "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                "method.")
        self._token_counts.update(itertools.chain.from_iterable(rows))
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        """Builds the vocabulary from the accumulated counts."""
        if self._has_input_vocabulary or not self._token_counts:
            self._adapted_empty = not self._has_input_vocabulary
            self._record_vocabulary_size()
            return
        self._adapted_empty = False
        for special in (self.mask_token, self.oov_token):
            self._token_counts.pop(special, None)
        # Keras sorts by (count, token) ascending and reverses the order.
        ordered = sorted(self._token_counts.items(),
                         key=lambda item: (item[1], item[0]), reverse=True)
        tokens = [token for token, _ in ordered]
        start = self._token_start_index()
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - start]
        self._tokens = tokens
        self._version += 1
        if self.output_mode == "tf_idf":
            counts = np.array([self._document_counts[t] for t in tokens],
                              dtype="float64")
            idf = np.log(1.0 + self._num_documents / (1.0 + counts))
            idf = torch.as_tensor(idf.astype(config.floatx()))
            # OOV (and mask) slots get the mean weight, as in Keras.
            idf = torch.cat([idf.mean().expand(start), idf])
            if self.pad_to_max_tokens:
                idf = torch.nn.functional.pad(
                    idf, (0, self.max_tokens - len(idf)))
            self._store_idf(idf)
        self.reset_state()
        self._record_vocabulary_size()

    def reset_state(self):
        """Clears the counts accumulated by `update_state`."""
        if self._has_input_vocabulary:
            return
        self._token_counts.clear()
        self._document_counts.clear()
        self._num_documents = 0

    # ------------------------------------------------------------------
    # Calling
    def _convert_inputs(self, args):
        # Token batches (lists, string arrays) reach `call` untouched; only
        # tensors and numeric arrays take the engine's conversion.
        first = args[0]
        if isinstance(first, torch.Tensor) or (
                isinstance(first, np.ndarray) and first.dtype.kind in "biuf"):
            return super()._convert_inputs(args)
        return args

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs):
        self._ensure_known_vocab_size()
        self._ensure_vocabulary()
        if self.invert:
            return self._invert_lookup(inputs)
        ids = self._lookup(inputs)
        return ids if self.output_mode == "int" else self._encode(ids)

    def _ids_defaults(self):
        """(value of the mask token, value of tokens not in the table)."""
        mask_value = 0 if self.output_mode == "int" else DROPPED
        missing = self._oov_start_index() if self.num_oov_indices == 1 else -1
        return mask_value, missing

    def _raise_oov(self, values):
        shown = list(dict.fromkeys(values))[:10]
        raise ValueError(
            "When `num_oov_indices=0` all inputs should be in vocabulary, "
            f"found OOV values {shown}, consider setting `num_oov_indices=1`.")

    def _encode(self, ids):
        """One-hot / multi-hot / count / TF-IDF encoding of looked-up ids."""
        depth = self.max_tokens if self.pad_to_max_tokens \
            else self._frozen_vocab_size
        if self.output_mode != "tf_idf":
            return _encoding.encode_categorical_inputs(
                ids, self.output_mode, depth, "int64", sparse=self.sparse)
        idf = self.idf_weights.to(ids.device)
        counts = _encoding.encode_categorical_inputs(ids, "count", depth,
                                                     idf.dtype)
        outputs = counts * idf
        return outputs.to_sparse() if self.sparse else outputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens \
            else self._frozen_vocab_size
        if self.output_mode == "one_hot" and not (
                len(input_shape) > 1 and input_shape[-1] == 1):
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self.output_mode == "int" else config.floatx()
        return symbolic.KerasTensor(self.compute_output_shape(inputs.shape),
                                    dtype=dtype)

    # ------------------------------------------------------------------
    # Serialization
    def get_config(self):
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": listify(self.input_idf_weights),
            "vocabulary": listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.build(None)

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights.detach().cpu().numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            self._store_idf(np.asarray(store["idf_weights"]))

    def save_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return  # the config holds the vocabulary
        with open(os.path.join(dir_path, "vocabulary.txt"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"),
                  encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        idf = self.idf_weights
        if self.output_mode == "tf_idf" and idf is not None:
            idf = idf.detach().cpu().numpy()
        self.set_vocabulary(
            [self._standardize_token(line) for line in lines],
            idf_weights=idf if self.output_mode == "tf_idf" else None)


def validate_choice(value, allowed, caller, arg_name, allow_none=False,
                    allow_callables=False):
    """Keras's check of a string-valued option."""
    if (allow_none and value is None) or (allow_callables and callable(value)):
        return
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"Unknown value for `{arg_name}` argument of {caller}. Allowed "
            f"values are: {allowed}. Received: {arg_name}={value}")


def _standardize_salt(salt, vocabulary_dtype, oov_method):
    if salt is None:
        return None
    if vocabulary_dtype != "string" and oov_method != "farmhash":
        raise ValueError("`salt` can only be used when `oov_method="
                         f"'farmhash'`. Received: oov_method={oov_method}")
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return list(salt)
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError("The `salt` argument for `IndexLookup` can only be a "
                     "tuple of 2 integers, or a single integer. Received: "
                     f"salt={salt}.")


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)):
        return np.array(value)
    return value


def listify(value):
    """Tensors and arrays as lists, for configs."""
    value = to_numpy(value) if isinstance(value, torch.Tensor) else value
    return value.tolist() if isinstance(value, np.ndarray) else value


def is_batch_iterable(data):
    """Whether `adapt` reads `data` batch by batch (not as one array)."""
    from lamina.utils.py_dataset import PyDataset

    if isinstance(data, PyDataset):
        return True
    return hasattr(data, "__iter__") and not isinstance(
        data, (list, tuple, np.ndarray, torch.Tensor, str, bytes))


def iterate_batches(data, steps):
    from lamina.utils.py_dataset import PyDataset

    if isinstance(data, PyDataset):
        dataset = data
        data = (dataset[i] for i in range(len(dataset)))
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield batch[0] if isinstance(batch, tuple) else batch
