"""The checks and sizes a `FeatureSpace` needs to encode its features:
one-hot widths, the dtypes one-hot encoding and concatenation accept, and
the keys a call must carry."""

import collections.abc

import numpy as np
import torch

from lamina.graph import KerasTensor
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.string_lookup import StringLookup


def dtype_name(tensor):
    return str(tensor.dtype).replace("torch.", "")


def as_tensor(value):
    """A preprocessor's output as a tensor (symbolic ones kept)."""
    if isinstance(value, (torch.Tensor, KerasTensor)):
        return value
    return torch.as_tensor(np.asarray(value))


def cardinality(name, preprocessor):
    """The one-hot width of feature (or cross) `name`: the number of
    indices its preprocessor can return."""
    if isinstance(preprocessor, (IntegerLookup, StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, Discretization):
        return preprocessor.num_bins or \
            len(preprocessor.bin_boundaries) + 1
    if isinstance(preprocessor, (HashedCrossing, Hashing)):
        return preprocessor.num_bins
    raise ValueError(
        f"Feature '{name}' has `output_mode='one_hot'`. However it isn't "
        "a standard feature and the dimensionality of its output space "
        "is not known, thus it cannot be one-hot encoded. Try using "
        "`output_mode='int'`."
    )


def check_one_hot_input(name, output):
    """One-hot encoding takes integer indices."""
    if not dtype_name(output).startswith(("int", "uint")):
        raise ValueError(
            f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
            "preprocessor should return an integer dtype. Instead it "
            f"returns a {dtype_name(output)} dtype."
        )


def check_concatenable(outputs):
    """`"concat"` joins float features only (integer indices must be
    one-hot encoded first)."""
    for name, feature in outputs.items():
        if not dtype_name(feature).startswith(("float", "bfloat")):
            raise ValueError(
                f"Cannot concatenate features because feature '{name}' "
                "has not been encoded (it has dtype "
                f"{dtype_name(feature)}). Consider using "
                "`output_mode='dict'`."
            )


def check_keys(space_name, feature_names, data):
    """A call's data: a mapping with exactly the features' keys."""
    if not isinstance(data, collections.abc.Mapping):
        raise ValueError(
            "A FeatureSpace can only be called with a dict. Received: "
            f"data={data!r} (of type {type(data).__name__})"
        )
    missing = [name for name in feature_names if name not in data]
    unknown = [name for name in data if name not in feature_names]
    if missing or unknown:
        raise ValueError(
            f"The dict passed to FeatureSpace '{space_name}' must have "
            f"exactly the keys {sorted(feature_names)}. Missing: "
            f"{missing}; unknown: {unknown}."
        )
