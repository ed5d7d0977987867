"""`keras.backend`: the backend name, dtype helpers, the session and Keras
2's learning phase."""

import gc
import warnings

import torch

from lamina import config
from lamina.graph import KerasTensor
from lamina.layers import call_context
from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype as _standardize
from lamina.utils.dtypes import to_torch_dtype


def backend():
    return "torch"


def clear_session(free_memory=True):
    """Resets the layer-name counters, the learning phase and the global
    dtype policy, as Keras does (and frees cached device memory)."""
    naming.reset_names()
    call_context.state.training = None
    config.set_dtype_policy(None)
    if free_memory:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    return _standardize(dtype)


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes):
    result = to_torch_dtype(dtypes[0])
    for dtype in dtypes[1:]:
        result = torch.promote_types(result, to_torch_dtype(dtype))
    return standardize_dtype(result)


def get_uid(prefix=""):
    return naming.uniquify(prefix)


def learning_phase():
    """Keras 2's flag: 1 while layers run in training mode, else 0."""
    return 1 if call_context.state.training else 0


def set_learning_phase(value):
    """Keras 2: makes layers called afterwards (outside `fit`, without an
    explicit `training=`) run in training (1) or inference (0) mode."""
    if value not in (0, 1):
        raise ValueError(
            "Invalid value for argument `value` of set_learning_phase(). "
            f"Expected 0 or 1. Received: value={value!r}"
        )
    warnings.warn(
        "`set_learning_phase` is deprecated (as in Keras 2): pass "
        "`training=True` or `training=False` when calling the model.",
        stacklevel=2,
    )
    call_context.state.training = bool(value)


def in_train_phase(x, alt, training=None):
    """`x` in training mode, else `alt` (callables are called)."""
    if training is None:
        training = learning_phase()
    chosen = x if _is_true(training) else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in inference mode, else `alt` (callables are called)."""
    return in_train_phase(alt, x, training=training)


def _is_true(flag):
    if isinstance(flag, torch.Tensor):
        return bool(flag.item())
    return bool(flag)
