"""The one guard every shortcut sits behind (Sequential's direct layer
calls, predict's direct model calls).

A shortcut skips `Layer.__call__` (and torch's `Module.__call__`), so it is
taken only when skipping them changes nothing:

- no hook would run: the test torch itself makes in `Module._call_impl`
  (forward, forward-pre, backward and backward-pre hooks, on the module and
  global), plus no `torch.jit.trace` in progress;
- nothing changed since the shortcut was planned: any change to any layer
  bumps `call_context.layer_version`, and a plan records the version it was
  made at.

Checking costs one integer comparison plus torch's own hook test, with no
allocation.
"""

import torch
from torch.nn.modules import module as torch_module

from lamina.layers.call_context import layer_version


def hooks_present(modules, owner=None):
    """True when calling any of `modules` (or `owner`, the module whose
    own `__call__` a shortcut skips too) through `Module.__call__` would
    run a hook (torch's own condition), or a jit trace is recording."""
    if owner is not None and (
            owner._forward_hooks or owner._forward_pre_hooks
            or owner._backward_hooks or owner._backward_pre_hooks):
        return True
    if (torch_module._global_forward_hooks
            or torch_module._global_forward_pre_hooks
            or torch_module._global_backward_hooks
            or torch_module._global_backward_pre_hooks
            or torch._C._get_tracing_state()):
        return True
    for module in modules:
        if (module._forward_hooks or module._forward_pre_hooks
                or module._backward_hooks or module._backward_pre_hooks):
            return True
    return False


class Shortcut:
    """A planned shortcut: `run` (None when no shortcut is possible) over
    `modules`, valid while no layer changes and no hook is registered."""

    __slots__ = ("run", "modules", "version")

    def __init__(self, run, modules):
        self.run = run
        self.modules = tuple(modules)
        self.version = layer_version[0]

    def is_current(self):
        """Planned at the current layer version (one integer comparison)."""
        return self.version == layer_version[0]

    def usable(self, owner=None):
        """The guard: a plan exists, is current, and no hook would run
        (on `modules`, or on `owner` when the shortcut skips its call)."""
        return (self.run is not None and self.version == layer_version[0]
                and not hooks_present(self.modules, owner))
