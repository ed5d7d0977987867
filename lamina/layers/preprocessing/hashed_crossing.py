"""HashedCrossing: crosses categorical features into a fixed number of bins."""

import numpy as np
import torch

from lamina import config
from lamina.graph import symbolic
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _encoding
from lamina.layers.preprocessing import _string_hash
from lamina.layers.preprocessing.hashing import to_numpy_values
from lamina.layers.registry import register
from lamina.utils.dtypes import to_torch_dtype

_MASK = 0xFFFFFFFFFFFFFFFF
# The key TensorFlow's `sparse.cross_hashed` starts every cross from.
_HASH_KEY = 0xDECAFCAFFE
_CAT_MUL = np.uint64(0xC6A4A7935BD1E995)


def _shift_mix(values):
    return values ^ (values >> np.uint64(47))


def _fingerprint_cat64(first, second):
    """TensorFlow's `FingerprintCat64` on uint64 arrays (wrapping)."""
    result = first ^ _CAT_MUL
    result ^= _shift_mix(second * _CAT_MUL) * _CAT_MUL
    result *= _CAT_MUL
    result = _shift_mix(result) * _CAT_MUL
    return _shift_mix(result)


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _feature_hashes(values):
    """The per-value hash TensorFlow crosses: the 64-bit FarmHash
    fingerprint of a string, the two's-complement bits of an integer."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64).view(np.uint64)
    unique, inverse = np.unique(values.reshape(-1), return_inverse=True)
    hashed = np.array([_string_hash.fingerprint64(_as_bytes(v))
                       for v in unique.tolist()], dtype=np.uint64)
    return hashed[inverse].reshape(values.shape)


@register()
class HashedCrossing(Layer):
    """Crosses categorical features with the hashing trick.

    Each output bin is `hash(feature_1, ..., feature_n) % num_bins`, with
    TensorFlow's `sparse.cross_hashed` hash (FarmHash fingerprints of the
    strings, the integers as they are, chained by `FingerprintCat64`), so
    bins are identical to Keras's for the same inputs. Crosses apply to
    scalar features: every input has shape `()`, `(batch_size,)` or
    `(batch_size, 1)`, and all inputs share that shape.

    Torch has no string tensors: pass string features as (nested) Python
    lists or NumPy arrays of `str`/`bytes`; integer features may also be
    torch tensors. Hashing runs on the host.

    Args:
        num_bins: number of hash bins.
        output_mode: `"int"` (default; bin indices, int64) or `"one_hot"`
            (float vectors of size `num_bins`).
        sparse: must be False: Keras supports sparse outputs only on the
            TensorFlow backend.
        name: the layer's name.
        dtype: output dtype (default `"int64"` in `"int"` mode, floatx in
            `"one_hot"` mode).

    Call arguments:
        inputs: a list or tuple of at least two features.

    Example:
        >>> layer = HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]),
        ...        np.array([101, 101, 101, 102, 102])))
        tensor([1, 4, 1, 1, 3])
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None,
                 dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(
                "`sparse=True` of HashedCrossing can only be used with the "
                "TensorFlow backend, as in Keras; Lamina runs on torch. "
                "Received: sparse=True"
            )
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                "Invalid value for argument `output_mode` of HashedCrossing. "
                "Expected one of ['int', 'one_hot']. Received: "
                f"output_mode={output_mode!r}"
            )
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or \
                num_bins <= 0:
            raise ValueError(
                "Invalid value for argument `num_bins` of HashedCrossing. "
                f"Expected a positive integer. Received: num_bins={num_bins!r}"
            )
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def _convert_inputs(self, args):
        # String features cannot become tensors; `call` reads them as NumPy.
        return args

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of "
                f"inputs. Received: inputs={inputs!r}"
            )
        if len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on at least two inputs. "
                f"Received: {len(inputs)} input(s)"
            )
        shapes = [tuple(x.shape) for x in inputs]
        first = shapes[0]
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, "
                "`(batch_size)` or `(batch_size, 1)`. Received shapes: "
                f"{shapes}"
            )
        if any(shape != first for shape in shapes[1:]):
            raise ValueError(
                "All `HashedCrossing` inputs should have equal shape. "
                f"Received shapes: {shapes}"
            )

    @staticmethod
    def _check_dtype(values):
        kind = values.dtype.kind
        if kind in "iuSU":
            return
        if kind == "O" and all(isinstance(v, (str, bytes))
                               for v in values.reshape(-1).tolist()):
            return
        raise ValueError(
            "All `HashedCrossing` inputs should have an integer or string "
            f"dtype. Received an input of dtype {values.dtype}"
        )

    def hash_inputs_to_bins(self, inputs):
        """Bin indices (an int64 NumPy array of the inputs' shape) of the
        crossed features."""
        arrays = [to_numpy_values(x) for x in inputs]
        self._check_inputs(arrays)
        for values in arrays:
            self._check_dtype(values)
        hashed = np.full(arrays[0].shape, _HASH_KEY, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for values in arrays:
                hashed = _fingerprint_cat64(hashed, _feature_hashes(values))
        return (hashed % np.uint64(self.num_bins)).astype(np.int64)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            self._check_inputs(inputs)
        device = next((x.device for x in inputs
                       if isinstance(x, torch.Tensor)),
                      config.default_device())
        bins = torch.as_tensor(self.hash_inputs_to_bins(inputs),
                               device=device)
        outputs = _encoding.encode_categorical_inputs(
            bins, self.output_mode, self.num_bins, self.compute_dtype)
        # As Keras: encoded in the compute dtype, returned in the layer's
        # (variable) dtype, so a mixed policy's outputs are float32.
        return outputs.to(to_torch_dtype(self.dtype))

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or \
                len(input_shape) < 2 or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                "HashedCrossing expects a list or tuple of at least 2 input "
                f"shapes. Received: input_shape={input_shape}"
            )
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            # Keras encodes a scalar as a batch of one sample.
            return (1, self.num_bins)
        if first[-1] == 1:
            return first[:-1] + (self.num_bins,)
        return first + (self.num_bins,)

    def compute_output_spec(self, inputs):
        self._check_inputs(inputs)
        for x in inputs:
            if not x.dtype.startswith(("int", "uint")):
                raise ValueError(
                    "All `HashedCrossing` inputs should have an integer or "
                    f"string dtype. Received an input of dtype {x.dtype}"
                )
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        return symbolic.KerasTensor(shape, dtype=self.dtype)

    def get_config(self):
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }
