"""`lamina.models`: Model, Sequential, Functional, loaded on first use to
keep `import lamina` fast."""

import importlib

_EXPORTS = {
    "clone_model": "lamina.models.cloning",
    "model_from_json": "lamina.models.cloning",
    "Functional": "lamina.models.functional",
    "Model": "lamina.models.model",
    "Sequential": "lamina.models.sequential",
    "load_model": "lamina.saving.saving_api",
    "save_model": "lamina.saving.saving_api",
}


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lamina.models' has no attribute '{name}'")
