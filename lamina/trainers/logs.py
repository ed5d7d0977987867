"""Batch logs that read metric values from the device only when asked.

The progress bar redraws at most every 50 ms and most callbacks ignore
batch logs, so a step normally ends without any host synchronisation.
"""

from collections.abc import Mapping

import numpy as np
import torch


def to_python(value):
    if isinstance(value, torch.Tensor):
        if value.numel() == 1:
            return value.item()
        # A copy: a metric's result may be its live state variable.
        return np.array(value.detach().cpu().numpy(), copy=True)
    return value


class LazyLogs(Mapping):
    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def _resolved(self):
        if self._values is None:
            self._values = pythonify(self._compute())
        return self._values

    def __getitem__(self, key):
        return self._resolved()[key]

    def __iter__(self):
        return iter(self._resolved())

    def __len__(self):
        return len(self._resolved())

    def __repr__(self):
        return repr(self._resolved())

    def copy(self):
        return dict(self._resolved())


def pythonify(logs):
    """Plain Python values; nested dicts (a custom step returning
    `{m.name: m.result() for m in self.metrics}`, where the compiled
    metrics give a dict) are flattened into their keys, as Keras does."""
    if logs is None:
        return {}
    result = {}
    for key, value in logs.items():
        if isinstance(value, Mapping):
            result.update(pythonify(dict(sorted(value.items()))))
        else:
            result[key] = to_python(value)
    return result
