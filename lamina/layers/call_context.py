"""State shared by nested layer calls: the resolved `training` flag, call
depth (to know the outermost call), the loss generation that clears
`layer.losses` at each outermost call, and the versions that cached
shortcuts compare against.

The trainers use it only through the functions below: `inference_scope`,
`begin_outermost_call`, `step_losses`, `layer_version`.
"""

import threading

from lamina.graph.tracing import in_symbolic_scope
from lamina.graph.tracing import symbolic_scope


class _CallState(threading.local):
    def __init__(self):
        self.depth = 0
        self.training = None
        self.loss_generation = 0
        # Every loss added during the current outermost call, for the
        # trainer's fast path (no walk over the layer tree per step).
        self.call_losses = []
        # True while a layer builds because it was called on data.
        self.building_from_call = False
        # Names of the layers being called or built, outermost first:
        # weight paths are "outer/inner/kernel", as in Keras.
        self.name_scope = []


    @property
    def symbolic(self):
        """True inside a shape trace (the graph's symbolic scope)."""
        return in_symbolic_scope()


state = _CallState()

# Bumped whenever any layer's or weight's `trainable` changes, so cached
# lists of trainable weights (the trainer's) know to refresh.
trainable_version = [0]

# Bumped by any change to any layer after its construction (an attribute
# set, a sublayer added or removed, a hook registered): a cached shortcut
# records the version it was planned at and is used only while it matches.
layer_version = [0]

__all__ = [
    "begin_outermost_call", "in_symbolic_scope", "inference_scope",
    "layer_version", "name_scope", "state", "step_losses", "symbolic_scope",
    "trainable_version",
]


def begin_outermost_call():
    """A new top-level forward: losses added from here on belong to it."""
    state.loss_generation += 1
    state.call_losses = []


def step_losses():
    """Every loss added by any layer (`add_loss`, activity regularizers)
    since the current outermost call began: the one collector the trainer
    reads each step."""
    return list(state.call_losses)


class name_scope:
    """Weights built inside get paths under `name` ("name/dense/kernel"),
    unless `name` is already the innermost scope (a model tracing its
    layers from inside its own build)."""

    __slots__ = ("name", "pushed")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        scope = state.name_scope
        self.pushed = not scope or scope[-1] != self.name
        if self.pushed:
            scope.append(self.name)
        return self

    def __exit__(self, *exc_info):
        if self.pushed:
            state.name_scope.pop()


class inference_scope:
    """Layer calls inside run as parts of one outermost inference call:
    `training` resolves to False and no call inside starts a new outermost
    call (the caller starts each with `begin_outermost_call`).

    A plain class rather than a generator-based context manager: predict
    enters one per batch."""

    __slots__ = ("outer",)

    def __enter__(self):
        self.outer = state.training, state.depth
        state.training, state.depth = False, 1
        return self

    def __exit__(self, *exc_info):
        state.training, state.depth = self.outer
