"""ModelCheckpoint: saves the model or its weights during `fit`."""

import os
import warnings

import numpy as np
import torch

from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.distribution.devices import is_rank_zero
from lamina.distribution.devices import wait_for_every_process
from lamina.saving import distributed
from lamina.saving.file_io import atomic_path
from lamina.trainers import distribution_hook
from lamina.utils import progbar


def print_msg(message):
    if is_rank_zero():  # every rank runs the callback under ModelParallel
        progbar.print_msg(message)


# Longest first: a weights file also ends in ".h5".
_EXTENSIONS = (".weights.h5", ".keras", ".hdf5", ".h5")


class ModelCheckpoint(MonitorCallback):
    """Saves the model, or only its weights, at the end of epochs or every
    few batches, optionally only when a monitored quantity improves.

    Every file is written under a temporary name beside its target and
    renamed over it once complete, so a crash in the middle of a save leaves
    the previous checkpoint whole.

    Args:
        filepath: String or `PathLike`. May hold named format fields filled
            with `epoch` (1-based), `batch` (1-based, with an integer
            `save_freq`) and the keys of the logs, e.g.
            `"weights.{epoch:02d}-{val_loss:.2f}.h5"`. It must end in
            `".weights.h5"` with `save_weights_only=True`, otherwise in
            `".keras"` or `".h5"` (the legacy HDF5 format).
        monitor: Name of the logged quantity that decides which model is
            the best, e.g. `"val_loss"` or `"val_accuracy"`.
        verbose: 0 (silent) or 1 (a message each time the callback acts).
        save_best_only: Save only when the monitored quantity improves on
            the best value seen so far; a `filepath` without format fields
            then always holds the best model.
        save_weights_only: Save with `model.save_weights` instead of
            `model.save`.
        mode: `"auto"`, `"min"` or `"max"`: whether the monitored quantity
            should go down or up (`"auto"` infers it from the metric).
        save_freq: `"epoch"` to save at the end of each epoch, or an
            integer: save after every this many training batches.
        initial_value_threshold: Best value to beat before the first save
            when `save_best_only=True`.

    Example:

    >>> checkpoint = ModelCheckpoint("best.keras", monitor="val_accuracy",
    ...                              mode="max", save_best_only=True)
    >>> # model.fit(x, y, validation_split=0.2, callbacks=[checkpoint])
    """

    @property
    def rank_zero_only(self):
        """Skipped on other ranks (CallbackList), except where variables
        are sharded (ModelParallel): every rank then takes part in
        gathering them, and rank 0 alone writes."""
        edges = distribution_hook.active()
        return not getattr(edges, "gathers_to_save", False)

    def __init__(self, filepath, monitor="val_loss", verbose=0,
                 save_best_only=False, save_weights_only=False, mode="auto",
                 save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (
            not isinstance(save_freq, int) or isinstance(save_freq, bool)
            or save_freq < 1
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected save_freq "
                "are 'epoch' or a positive integer (a number of batches)."
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`"
                    ", the filepath provided must end in `.weights.h5` "
                    "(Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model "
                "format) or `.h5` (legacy HDF5 format). Received: "
                f"filepath={self.filepath}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            # Only now are the compiled metrics built (their direction known).
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batches count from 0
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available.",
                stacklevel=3,
            )
            return True
        if isinstance(current, (np.ndarray, torch.Tensor)) and \
                len(current.shape) > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to "
                "`save_best_only=False`.",
                stacklevel=3,
            )
            return True
        if self.monitor_op is None:
            # A batch-level save before the first epoch's end.
            self._set_monitor_op()
        current = float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                    f"{best} to {current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                f"{best}"
            )
        return False

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for "
                "ModelCheckpoint. Filepath used is an existing directory: "
                f"{filepath}"
            )
        suffix = next(e for e in _EXTENSIONS if filepath.endswith(e)) \
            if filepath.endswith(_EXTENSIONS) else ".tmp"
        # The writer sees a temporary name with the target's extension; the
        # rename onto `filepath` happens only once the file is complete.
        distributed.check_writable(self.model, filepath)
        if is_rank_zero():
            with atomic_path(filepath, suffix=suffix) as temporary:
                self._write(temporary)
        else:  # sharded variables: this rank takes part in gathering them
            self._write(filepath)
        if not self.rank_zero_only:
            wait_for_every_process()  # the file is complete for every rank
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to "
                      f"{filepath}")

    def _write(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with its format fields filled."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1,
                                        **logs)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". '
                f"Reason: {error}. Available keys: "
                f"{sorted(['epoch'] + list(logs))}"
            ) from None
