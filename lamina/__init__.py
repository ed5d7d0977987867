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
from lamina.graph.symbolic import KerasTensor
from lamina.graph.symbolic import Operation
from lamina.version import __version__

version = __version__

_SUBMODULES = (
    "activations", "applications", "backend", "callbacks", "config",
    "constraints", "datasets", "distribution", "dtype_policies",
    "initializers", "layers", "losses", "metrics", "mixed_precision",
    "models", "ops", "optimizers", "preprocessing", "random",
    "regularizers", "saving", "utils",
)


def __getattr__(name):
    # Submodules load on first use, keeping `import lamina` close to the
    # cost of `import torch`.
    if name in _SUBMODULES:
        module = importlib.import_module(f"lamina.{name}")
        globals()[name] = module
        return module
    if name in ("Loss", "Metric", "Optimizer", "Initializer", "Regularizer"):
        family = {"Loss": "losses", "Metric": "metrics",
                  "Optimizer": "optimizers", "Initializer": "initializers",
                  "Regularizer": "regularizers"}[name]
        return getattr(importlib.import_module(f"lamina.{family}"), name)
    if name in ("DTypePolicy", "FloatDTypePolicy"):
        return getattr(importlib.import_module("lamina.dtype_policies"), name)
    raise AttributeError(f"module 'lamina' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
