"""The data a `FeatureSpace` reads: what `adapt` iterates and what a call
converts.

Keras's `FeatureSpace.adapt` takes a `tf.data.Dataset` of dicts (or a dict
of arrays, sliced into samples and batched by 32). A torch user holds a
dict of arrays, a generator or list of dict batches, a `PyDataset` or a
`DataLoader` yielding dicts; all of them are read here in one pass.
"""

import collections.abc

import numpy as np
import torch

from lamina.utils.dtypes import to_torch_dtype
from lamina.utils.py_dataset import PyDataset

# Keras batches unbatched samples (and a dict of arrays) by 32 for adapt.
ADAPT_BATCH_SIZE = 32


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def as_columns(data):
    """A pandas DataFrame as a dict of its columns; anything else as it is."""
    if hasattr(data, "columns") and hasattr(data, "to_numpy") and \
            not isinstance(data, collections.abc.Mapping):
        return {name: data[name].to_numpy(copy=True) for name in data.columns}
    return data


def _describe(data):
    text = repr(data)
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{text} (of type {type(data).__name__})"


def _elements(dataset):
    """The elements of what `adapt` was given: dicts (a sample or a batch)."""
    dataset = as_columns(dataset)
    if isinstance(dataset, collections.abc.Mapping):
        columns = {name: to_numpy(value) for name, value in dataset.items()}
        lengths = {len(v) for v in columns.values() if v.ndim}
        if len(lengths) > 1 or any(v.ndim == 0 for v in columns.values()):
            found = {name: len(v) if v.ndim else None
                     for name, v in columns.items()}
            raise ValueError(
                "FeatureSpace.adapt() received a dict whose values are not "
                f"arrays of the same length. Received lengths: {found}"
            )
        total = lengths.pop() if lengths else 0
        for start in range(0, total, ADAPT_BATCH_SIZE):
            yield {name: value[start:start + ADAPT_BATCH_SIZE]
                   for name, value in columns.items()}
        return
    if isinstance(dataset, PyDataset):
        elements = (dataset[i] for i in range(len(dataset)))
    elif hasattr(dataset, "__iter__") and not isinstance(
            dataset, (str, bytes, np.ndarray, torch.Tensor)):
        elements = iter(dataset)
    else:
        raise ValueError(
            "FeatureSpace.adapt() expects a dict of arrays or lists (or a "
            "pandas DataFrame), or an "
            "iterable of dicts (a generator or list of dict batches, a "
            "`PyDataset` or a torch `DataLoader` yielding dicts). Received: "
            f"{_describe(dataset)}"
        )
    for element in elements:
        if isinstance(element, (tuple, list)) and element and \
                isinstance(element[0], collections.abc.Mapping):
            element = element[0]  # (x, y) or (x, y, sample_weight)
        if not isinstance(element, collections.abc.Mapping):
            raise ValueError(
                "FeatureSpace.adapt() expects the dataset to yield dicts "
                "mapping feature names to values (or `(x, y)` tuples whose "
                f"`x` is such a dict). Received an element: "
                f"{_describe(element)}"
            )
        yield element


def feature_batches(dataset, dtypes):
    """Reads `dataset` once; returns `{name: [batch, ...]}` for the
    features of `dtypes` (`{name: dtype}`, each value checked against its
    dtype), each batch a NumPy array of rank >= 2 (rank-0 samples batched
    by 32, rank-1 batches given a trailing axis), as Keras feeds each
    adaptable preprocessor."""
    names = list(dtypes)
    batches = {name: [] for name in names}
    pending = {name: [] for name in names}  # unbatched scalar samples
    count = 0
    for element in _elements(dataset):
        count += 1
        missing = [name for name in names if name not in element]
        if missing:
            raise ValueError(
                f"FeatureSpace.adapt(): the data has no feature(s) {missing}"
                f". Received keys: {sorted(element)}"
            )
        for name in names:
            value = to_numpy(element[name])
            check_values(name, value, dtypes[name], "FeatureSpace.adapt()")
            if value.ndim == 0:
                pending[name].append(value)
                if len(pending[name]) == ADAPT_BATCH_SIZE:
                    batches[name].append(np.stack(pending[name])[:, None])
                    pending[name] = []
                continue
            batches[name].append(value[:, None] if value.ndim == 1 else value)
    if count == 0:
        raise ValueError("FeatureSpace.adapt() received an empty dataset.")
    for name in names:
        if pending[name]:
            batches[name].append(np.stack(pending[name])[:, None])
    return batches


def check_values(name, values, dtype, where="FeatureSpace"):
    """Raises a ValueError naming feature `name` unless `values` (an
    array or tensor) suit its `dtype`: strings for a string feature,
    numbers otherwise, and whole numbers for an integer feature (a cast
    would truncate 1.5 to 1 without a word)."""
    if isinstance(values, torch.Tensor):
        kind = "f" if values.is_floating_point() else "i"
    else:
        kind = values.dtype.kind
    if dtype == "string":
        if kind not in "USO":
            raise ValueError(
                f"{where}: feature '{name}' is a string feature; expected "
                f"strings. Received values of dtype {values.dtype}"
            )
        return
    if kind in "USO":
        raise ValueError(
            f"{where}: feature '{name}' has dtype {dtype!r}; expected "
            f"numbers. Received values of dtype {values.dtype}"
        )
    if kind in "fc" and str(dtype).startswith(("int", "uint")):
        numbers = torch.as_tensor(values)
        fraction = numbers[numbers != numbers.round()]
        if fraction.numel():
            raise ValueError(
                f"{where}: feature '{name}' has dtype {dtype!r}; expected "
                f"whole numbers. Received {fraction.reshape(-1)[0].item()} "
                f"(values of dtype {values.dtype})"
            )


def check_batch_sizes(inputs):
    """The features of one call must hold as many samples each."""
    sizes = {name: int(x.shape[0]) for name, x in inputs.items()
             if hasattr(x, "shape") and x.shape[0] is not None}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            "FeatureSpace expected every feature to hold the same number "
            f"of samples. Received: {sizes}"
        )


def as_feature_input(name, value, dtype):
    """A call's value for one feature, as a rank-2 batch the preprocessor
    takes: a NumPy string array, or a tensor of the feature's dtype.

    Returns `(batch, was_scalar)`."""
    if dtype == "string":
        batch = to_numpy(value)
        check_values(name, batch, dtype)
    else:
        batch = value if isinstance(value, torch.Tensor) else \
            np.asarray(value)
        check_values(name, batch, dtype)
        batch = torch.as_tensor(batch).to(to_torch_dtype(dtype))
    scalar = batch.ndim == 0
    if scalar:
        batch = batch.reshape(1, 1)
    elif batch.ndim == 1:
        batch = batch[:, None]
    return batch, scalar
