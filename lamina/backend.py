"""`keras.backend` compatibility: the settings and session helpers."""

import gc

import torch

from lamina.config import epsilon
from lamina.config import floatx
from lamina.config import image_data_format
from lamina.config import set_epsilon
from lamina.config import set_floatx
from lamina.config import set_image_data_format
from lamina.utils import naming


def backend():
    return "torch"


def clear_session(free_memory=True):
    """Resets the layer-name counters (and frees cached device memory)."""
    naming.reset_names()
    if free_memory:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def is_keras_tensor(x):
    from lamina.graph.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    from lamina.utils.dtypes import standardize_dtype as standardize

    return standardize(dtype)


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes):
    from lamina.utils.dtypes import to_torch_dtype

    result = to_torch_dtype(dtypes[0])
    for dtype in dtypes[1:]:
        result = torch.promote_types(result, to_torch_dtype(dtype))
    return standardize_dtype(result)


def get_uid(prefix=""):
    return naming.uniquify(prefix)


__all__ = [
    "backend", "clear_session", "epsilon", "floatx", "image_data_format",
    "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type",
    "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype",
    "get_uid",
]
