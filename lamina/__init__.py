"""Lamina: the Keras API, built natively on PyTorch.

    import lamina as keras
"""

import importlib

from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.variable import Variable
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.graph import KerasTensor
from lamina.graph import Operation
from lamina.version import __version__

# Loaded eagerly: `lamina.ops` registers the functions behind KerasTensor's
# Python operators (`x + 1` on a symbolic tensor) with `lamina.graph`.
from lamina import ops  # noqa: E402,F401

from lamina.version import version  # noqa: E402  (a function, as in Keras)
from lamina.config import device  # noqa: E402,F401  (keras.device)

# Every name here is a module that exists (tests/test_lazy_modules.py
# imports each); a name not listed is an AttributeError, so `hasattr` works.
_SUBMODULES = (
    "activations", "applications", "backend", "callbacks", "config",
    "constraints", "datasets", "distillation", "distribution", "dtype_policies", "export", "initializers", "layers", "legacy", "losses",
    "metrics", "mixed_precision", "models", "ops", "optimizers", "preprocessing", "quantizers", "random",
    "regularizers", "saving", "tree", "utils", "visualization", "wrappers",
)
_FAMILY_BASES = {
    "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers",
    "Initializer": "initializers", "Regularizer": "regularizers",
    "DTypePolicy": "dtype_policies", "FloatDTypePolicy": "dtype_policies",
    "Quantizer": "quantizers",
}

# Top-level functions and classes defined with their families.
_TOP_LEVEL = {
    "name_scope": "lamina.utils.scopes",
    "SymbolicScope": "lamina.utils.scopes",
    "remat": "lamina.utils.remat",
    "RematScope": "lamina.utils.remat",
    "Function": "lamina.utils.graph_function",
    "StatelessScope": "lamina.utils.stateless_scope",
}


def __getattr__(name):
    # Submodules load on first use, keeping `import lamina` close to the
    # cost of `import torch`.
    if name in _SUBMODULES:
        module = importlib.import_module(f"lamina.{name}")
        globals()[name] = module
        return module
    if name in _FAMILY_BASES:
        module = importlib.import_module(f"lamina.{_FAMILY_BASES[name]}")
        return getattr(module, name)
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(_TOP_LEVEL[name]), name)
    raise AttributeError(f"module 'lamina' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_FAMILY_BASES)
                  | set(_TOP_LEVEL))
