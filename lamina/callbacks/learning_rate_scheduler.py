"""LearningRateScheduler: sets the learning rate at each epoch's start."""

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks.reduce_lr_on_plateau import _optimizers
from lamina.utils.progbar import print_msg


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate from a schedule at each epoch.

    Args:
        schedule: A function `schedule(epoch, lr)` (or `schedule(epoch)`)
            returning the new rate as a float; `epoch` is 0-based and `lr`
            the current rate.
        verbose: 0 (silent) or 1 (prints the rate set).

    Example:

    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = LearningRateScheduler(scheduler)
    >>> # model.fit(x, y, epochs=15, callbacks=[callback])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                'Optimizer must have a "learning_rate" attribute. Received: '
                f"optimizer={optimizer!r}"
            )
        try:
            learning_rate = self.schedule(epoch,
                                          float(optimizer.learning_rate))
        except TypeError:
            # A one-argument schedule, `schedule(epoch)`.
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                "The output of the `schedule` function should be a float. "
                f"Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        for name, optimizer in _optimizers(self.model.optimizer):
            learning_rate = self._update_lr(optimizer, epoch)
            if self.verbose > 0:
                name_part = f" {name}" if name else ""
                print_msg(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting"
                    f"{name_part} learning rate to {learning_rate}."
                )

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name, optimizer in _optimizers(self.model.optimizer):
            key = f"learning_rate_{name}" if name else "learning_rate"
            logs[key] = float(optimizer.learning_rate)
