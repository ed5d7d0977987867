"""State shared by nested layer calls: the resolved `training` flag, call
depth (to know the outermost call), the loss generation that clears
`layer.losses` at each outermost call, and symbolic tracing."""

import contextlib
import threading


class _CallState(threading.local):
    def __init__(self):
        self.depth = 0
        self.training = None
        self.symbolic = 0
        self.loss_generation = 0
        # Every loss added during the current outermost call, for the
        # trainer's fast path (no walk over the layer tree per step).
        self.call_losses = []
        # True while a layer builds because it was called on data.
        self.building_from_call = False
        # Names of the layers being called or built, outermost first:
        # weight paths are "outer/inner/kernel", as in Keras.
        self.name_scope = []


state = _CallState()

# Bumped whenever any layer's or weight's `trainable` changes, so cached
# lists of trainable weights (the trainer's) know to refresh.
trainable_version = [0]


@contextlib.contextmanager
def symbolic_scope():
    state.symbolic += 1
    try:
        yield
    finally:
        state.symbolic -= 1


def in_symbolic_scope():
    return state.symbolic > 0
