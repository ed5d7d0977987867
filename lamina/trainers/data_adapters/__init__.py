"""Picks the data adapter for what the user passed to fit/evaluate/predict.

Every adapter iterates batches (`x`, `(x, y)` or `(x, y, sample_weight)`),
reports `num_batches` (None when unknown) and has `on_epoch_end()`.
"""

import inspect
import types

from lamina.trainers.data_adapters import array_data_adapter
from lamina.utils import tree


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None,
                     steps_per_epoch=None, shuffle=False, class_weight=None,
                     device=None, float_dtype=None):
    """`float_dtype`: what float64 arrays become (default floatx, as in
    Keras; a float64 model keeps them float64)."""
    x = _lists_of_numbers_as_arrays(x)
    y = _lists_of_numbers_as_arrays(y)
    if array_data_adapter.can_handle(x, y):
        return array_data_adapter.ArrayDataAdapter(
            x, y, sample_weight=sample_weight, batch_size=batch_size,
            steps=steps_per_epoch, shuffle=shuffle, class_weight=class_weight,
            device=device, float_dtype=float_dtype,
        )
    _reject_y_for_datasets(x, y, sample_weight)
    from lamina.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        from lamina.trainers.data_adapters.py_dataset_adapter import (
            PyDatasetAdapter,
        )

        return PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle,
                                float_dtype=float_dtype)
    if _is_torch_data(x):
        from lamina.trainers.data_adapters.torch_data_loader_adapter import (
            TorchDataLoaderAdapter,
        )

        return TorchDataLoaderAdapter(x, batch_size=batch_size,
                                      shuffle=shuffle,
                                      class_weight=class_weight,
                                      float_dtype=float_dtype)
    if isinstance(x, types.GeneratorType) or inspect.isgenerator(x) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__")
    ):
        from lamina.trainers.data_adapters.generator_data_adapter import (
            GeneratorDataAdapter,
        )

        return GeneratorDataAdapter(x, class_weight=class_weight,
                                    float_dtype=float_dtype)
    raise ValueError(
        "Unrecognized data type: x="
        f"{_describe(x)} (of type {type(x).__name__}). Expected NumPy arrays, "
        "torch tensors, pandas data, nested lists/dicts of those, a Python "
        "generator, a `lamina.utils.PyDataset`, or a torch "
        "`Dataset`/`DataLoader`."
    )


def _describe(x):
    text = repr(x)
    return text if len(text) < 80 else text[:77] + "..."


def _is_torch_data(x):
    import torch.utils.data as torch_data

    return isinstance(x, (torch_data.DataLoader, torch_data.Dataset))


def _reject_y_for_datasets(x, y, sample_weight):
    if y is not None or sample_weight is not None:
        raise ValueError(
            "When `x` is a generator, a PyDataset or a torch Dataset/"
            "DataLoader, `y` and `sample_weight` must not be passed: the "
            "dataset itself must yield `(x, y)` or `(x, y, sample_weight)`. "
            f"Received: type(x)={type(x).__name__}, y="
            f"{'given' if y is not None else None}"
        )


def _lists_of_numbers_as_arrays(value):
    """`[0, 1, 1]` is data, not a structure of three inputs."""
    import numpy as np

    if isinstance(value, list) and value and all(
        isinstance(v, (int, float, bool, str, list)) for v in value
    ) and all(isinstance(v, np.generic) or not hasattr(v, "shape")
              for v in tree.flatten(value)):
        return np.asarray(value)
    return value
