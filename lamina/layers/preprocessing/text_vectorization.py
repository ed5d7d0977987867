"""TextVectorization: standardizes, splits and indexes raw text."""

import itertools
import re

import numpy as np
import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.index_lookup import DROPPED
from lamina.layers.preprocessing.index_lookup import OUTPUT_MODES
from lamina.layers.preprocessing.index_lookup import is_batch_iterable
from lamina.layers.preprocessing.index_lookup import iterate_batches
from lamina.layers.preprocessing.index_lookup import listify
from lamina.layers.preprocessing.index_lookup import validate_choice
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.layers.preprocessing.string_lookup import string_array
from lamina.layers.registry import register
from lamina.graph import symbolic
from lamina.saving.serialization import deserialize_keras_object

# Keras strips the characters of the regex class
# [!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\'] and lowercases ASCII letters
# only (TensorFlow's `strings.lower`); both are single-character maps.
_PUNCTUATION = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"
_STRIP = {ord(c): None for c in _PUNCTUATION}
_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_TABLES = {
    "lower": _LOWER,
    "strip_punctuation": _STRIP,
    "lower_and_strip_punctuation": {**_LOWER, **_STRIP},
}
# TensorFlow's whitespace split uses ASCII whitespace only.
_NON_WHITESPACE = re.compile(r"[^ \t\n\v\f\r]+")


@register()
class TextVectorization(Layer):
    """Turns raw strings into token indices or bag-of-token vectors.

    Each string is standardized, split into tokens, optionally combined
    into ngrams, then looked up in a vocabulary learned by `adapt` (index 0
    is padding `""`, index 1 OOV `"[UNK]"`; tokens by descending count,
    ties broken by descending token) or given by `vocabulary`.

    Torch has no string tensors, so inputs are Python strings (or bytes,
    decoded with `encoding`): a `str`, a list, or a NumPy array of shape
    `(batch,)` or `(batch, 1)`. Outputs are torch tensors on the layer's
    device: int64 indices of shape `(batch, output_sequence_length)`
    (padded with 0 to the longest sequence when it is None), or
    `(batch, num_tokens)` int64 multi-hot/count or floatx TF-IDF vectors.
    Use it before a model (vectorize the data, or vectorize each batch in
    a `PyDataset.__getitem__`), or as the first layer of a model called on
    a NumPy string array. A symbolic `Input(dtype="string")` is not
    available: torch has no string dtype.

    Args:
        max_tokens: maximum vocabulary size (padding and OOV included).
        standardize: `"lower_and_strip_punctuation"` (default), `"lower"`
            (ASCII letters, as TensorFlow), `"strip_punctuation"`, None, or
            a callable taking and returning a NumPy array of `str`.
        split: `"whitespace"` (default; ASCII whitespace), `"character"`
            (Unicode code points), None, or a callable taking a NumPy
            array of `str` of shape `(batch,)` and returning one token list
            per string.
        ngrams: None, an int `n` (all ngrams up to `n`) or a tuple of
            widths; ngram tokens join words with a space.
        output_mode: `"int"`, `"multi_hot"` (alias `"binary"`), `"count"`,
            `"tf_idf"`, or `"one_hot"` (here padded to
            `(batch, length, num_tokens)`; Keras gives a ragged result).
        output_sequence_length: `"int"` mode only: pad or truncate every
            sequence to this length.
        pad_to_max_tokens: pad encoded outputs to `max_tokens` features.
        vocabulary: list, array or file path of tokens; then no `adapt`.
        idf_weights: with `vocabulary` in `"tf_idf"` mode, the weights.
        sparse: return torch sparse COO tensors (encoded modes only).
        ragged: must be False (torch has no ragged tensors).
        encoding: text encoding of bytes inputs (default `"utf-8"`).

    Example:
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog ran!"])
        >>> layer(["the cat ran"])
        tensor([[2, 6, 4, 0]])
    """

    def __init__(self, max_tokens=None,
                 standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        if ragged:
            raise ValueError(
                "Invalid value for argument `ragged`: torch has no ragged "
                "tensors, so TextVectorization returns padded tensors. "
                "Expected ragged=False. Received: ragged=True")
        validate_choice(standardize, ("lower_and_strip_punctuation", "lower",
                                      "strip_punctuation"), "TextVectorization",
                        "standardize", allow_none=True, allow_callables=True)
        validate_choice(split, ("whitespace", "character"),
                        "TextVectorization", "split", allow_none=True,
                        allow_callables=True)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(
            output_mode, output_mode)
        validate_choice(output_mode, OUTPUT_MODES, "TextVectorization",
                        "output_mode")
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams))):
            raise ValueError("`ngrams` must be None, an integer, or a tuple "
                             f"of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (
                output_sequence_length is None
                or isinstance(output_sequence_length, int)):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer "
                "when `output_mode` is 'int'. Received: "
                f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is "
                "not 'int'. Received output_sequence_length="
                f"{output_sequence_length}.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) \
            else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = kwargs.pop(
            "has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary,
            idf_weights=idf_weights, pad_to_max_tokens=pad_to_max_tokens,
            mask_token="", output_mode=output_mode, sparse=sparse,
            has_input_vocabulary=self._has_input_vocabulary,
            encoding=encoding, vocabulary_size=vocabulary_size)

    # ------------------------------------------------------------------
    # Vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and IDF weights) from text.

        Args:
            data: a `str`, a list or NumPy array of strings (one document
                each), or an iterable of batches: a generator, an iterator
                or a `PyDataset` (of a batch `(x, y, ...)` only `x` is
                used, so a `text_dataset_from_directory` result works).
            batch_size: strings processed at a time for array data (the
                result does not depend on it).
            steps: how many batches to read from an iterable.
        """
        self.reset_state()
        if is_batch_iterable(data):
            for batch in iterate_batches(data, steps):
                self.update_state(batch)
        else:
            strings = string_array(data, self._encoding)
            if strings.ndim == 1:
                strings = strings[:, None]
            step = batch_size if batch_size and strings.ndim else None
            for start in range(0, len(strings), step) if step else [None]:
                self.update_state(
                    strings if step is None else strings[start:start + step])
        self.finalize_state()

    def update_state(self, data):
        """Accumulates the token counts of one batch of strings."""
        tokens, _ = self._preprocess(data)
        if isinstance(tokens, np.ndarray):
            self._lookup_layer.update_state(tokens)
        else:
            self._lookup_layer._update_rows(tokens)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """Returns the vocabulary list (index `i` holds token `i`).

        Args:
            include_special_tokens: if False, leave out `""` and `"[UNK]"`.
        """
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The vocabulary size, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replaces the vocabulary (and IDF weights); see `StringLookup`."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------
    # Text processing
    def _standardize_strings(self, strings):
        if self._standardize is None:
            return strings
        if callable(self._standardize):
            result = self._standardize(strings.astype(str))
            return np.asarray(result).astype(object)
        table = _TABLES[self._standardize]
        flat = [s.translate(table) for s in strings.ravel().tolist()]
        return np.array(flat, dtype=object).reshape(strings.shape)

    def _split_strings(self, strings):
        if self._split == "whitespace":
            return [_NON_WHITESPACE.findall(s) for s in strings.tolist()]
        if self._split == "character":
            return [list(s) for s in strings.tolist()]
        rows = self._split(strings.astype(str))
        return [[str(t) for t in row] for row in rows]

    def _preprocess(self, inputs):
        """(tokens, squeeze): a dense object array of tokens, or a list of
        token rows; `squeeze` says the rows stand for one unbatched input."""
        strings = self._standardize_strings(
            string_array(inputs, self._encoding))
        if self._split is None:
            if self._ngrams is None:
                return strings, False
            squeeze = strings.ndim < 2
            rows = strings.reshape(-1, strings.shape[-1] if strings.ndim
                                   else 1).tolist()
        else:
            squeeze = strings.ndim == 0
            if strings.ndim > 1:
                if strings.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, "
                        "the input rank must be 1 or the last shape dimension "
                        f"must be 1. Received: inputs.shape={strings.shape} "
                        f"with rank={strings.ndim}")
                strings = strings[..., 0]
            if strings.ndim > 1:
                raise ValueError(
                    "TextVectorization takes a batch of strings of shape "
                    "(batch,) or (batch, 1). Received: inputs with shape "
                    f"{strings.shape + (1,)}")
            rows = self._split_strings(strings.reshape(-1))
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows, squeeze

    # ------------------------------------------------------------------
    # Calling
    def _convert_inputs(self, args):
        # Strings reach `call` untouched: the engine's conversion is for
        # tensors and numeric arrays.
        first = args[0]
        if isinstance(first, torch.Tensor) or (
                isinstance(first, np.ndarray) and first.dtype.kind in "biuf"):
            return super()._convert_inputs(args)
        return args

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        if lookup._tokens is None:
            reason = " (`adapt()` found no tokens in its data)" \
                if lookup._adapted_empty else ""
            raise RuntimeError(
                f"Layer '{self.name}' (TextVectorization) has no vocabulary"
                f"{reason}. Call `adapt()` on sample text, pass a `vocabulary`"
                " argument or call `set_vocabulary()` before calling the "
                "layer.")
        tokens, squeeze = self._preprocess(inputs)
        if isinstance(tokens, np.ndarray):
            outputs = lookup.call(tokens)
            length = self._output_sequence_length
            if self._output_mode == "int" and length is not None:
                outputs = outputs[..., :length]
                outputs = torch.nn.functional.pad(
                    outputs, (0, length - outputs.shape[-1]))
            return outputs
        lengths = [len(row) for row in tokens]
        ids = lookup.lookup_strings(list(itertools.chain.from_iterable(tokens)))
        int_mode = self._output_mode == "int"
        width = self._output_sequence_length
        if not int_mode or width is None:
            width = max(lengths, default=0)
        padded = _pad_rows(ids, lengths, width, 0 if int_mode else DROPPED)
        padded = padded.to(lookup._device_anchor.device)
        outputs = padded if int_mode else lookup._encode(padded)
        return outputs[0] if squeeze else outputs

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self._output_mode == "int" else config.floatx()
        return symbolic.KerasTensor(self.compute_output_shape(inputs.shape),
                                    dtype=dtype)

    # ------------------------------------------------------------------
    # Serialization
    def get_config(self):
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": listify(lookup.input_vocabulary),
            "idf_weights": listify(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.build(None)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)


def _ngrams(tokens, widths):
    """Space-joined ngrams of each width in turn (TensorFlow's order)."""
    grams = []
    for width in widths:
        grams.extend(" ".join(tokens[i:i + width])
                     for i in range(len(tokens) - width + 1))
    return grams


def _pad_rows(ids, lengths, width, pad_value):
    """Packs the flat ids of variable-length rows into `(rows, width)`,
    truncating longer rows."""
    lengths = torch.tensor(lengths, dtype=torch.int64)
    outputs = torch.full((len(lengths), width), pad_value, dtype=torch.int64)
    if len(ids):
        rows = torch.repeat_interleave(torch.arange(len(lengths)), lengths)
        starts = torch.cumsum(lengths, 0) - lengths
        cols = torch.arange(len(ids)) - starts[rows]
        keep = cols < width
        outputs[rows[keep], cols[keep]] = ids[keep]
    return outputs
