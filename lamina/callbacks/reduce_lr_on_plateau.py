"""ReduceLROnPlateau: lowers the learning rate when a metric plateaus."""

import warnings

import numpy as np

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.utils.progbar import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` when a metric stalls.

    After `patience` epochs without an improvement larger than `min_delta`,
    the optimizer's `learning_rate` becomes `max(lr * factor, min_lr)`; the
    next step uses it. The current rate is added to the epoch logs as
    `learning_rate`.

    Args:
        monitor: Quantity to watch. Defaults to `"val_loss"`.
        factor: Multiplier of the learning rate, below 1.
        patience: Epochs without improvement before reducing.
        verbose: 0 (silent) or 1 (prints each reduction).
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: Smallest change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before watching again.
        min_lr: Lower bound of the learning rate.
        **kwargs: Keras 2's `epsilon` (the old name of `min_delta`).

    Example:

    >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2,
    ...                               patience=5, min_lr=0.001)
    >>> # model.fit(x, y, callbacks=[reduce_lr])
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10,
                 verbose=0, mode="auto", min_delta=1e-4, cooldown=0,
                 min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "`epsilon` argument is deprecated and will be removed, use "
                "`min_delta` instead.",
                stacklevel=2,
            )
        if kwargs:
            # Keras 3 ignores unknown arguments; say so at least.
            warnings.warn(
                "ReduceLROnPlateau ignores unrecognized arguments: "
                f"{sorted(kwargs)}",
                stacklevel=2,
            )
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau does not support a factor >= 1.0. "
                f"Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizers = _optimizers(self.model.optimizer)
        for name, optimizer in optimizers:
            key = f"learning_rate_{name}" if name else "learning_rate"
            logs[key] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                "Learning rate reduction is conditioned on metric "
                f"`{self.monitor}` which is not available. Available metrics "
                f"are: {','.join(logs.keys())}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for name, optimizer in optimizers:
                    reduced |= self._reduce_lr(optimizer, epoch, name)
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce_lr(self, optimizer, epoch, name):
        old_lr = float(optimizer.learning_rate)
        # The rate is stored in float32: compare in float32, or a rate
        # already at `min_lr` would look larger and be "reduced" forever.
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_part = f" {name}" if name else ""
            print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_part} "
                f"learning rate to {new_lr}."
            )
        return True


def _optimizers(optimizer):
    """`(name, optimizer)` pairs: the parts of a multi-optimizer (named),
    or the optimizer itself (no name)."""
    parts = getattr(optimizer, "optimizers", None)
    if parts is not None:
        return [(part.name, part) for part in parts]
    return [("", optimizer)]
