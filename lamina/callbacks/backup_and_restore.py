"""BackupAndRestore: resumes an interrupted `fit` exactly where it stopped."""

import os
import shutil
import warnings

import torch

from lamina.callbacks import training_state
from lamina.callbacks.callback import Callback
from lamina.distribution.devices import is_rank_zero
from lamina.distribution.devices import wait_for_every_process
from lamina.saving.file_io import atomic_path
from lamina.trainers import distribution_hook


class BackupAndRestore(Callback):
    """Backs up the training state so that a `fit` that was interrupted (the
    process killed, the machine restarted) continues where it stopped when
    the same `fit` call is run again.

    The backup holds the model's weights, the optimizer's state, the
    metrics' accumulators, the epoch, the batch within the epoch with the
    epoch's shuffling order, and the state of every random generator
    (torch, NumPy, Python and the layers' seed generators). A resumed run
    starts at the next batch, not at the epoch's beginning, and with
    in-memory data it ends with the same weights, bit for bit, as a run
    that was never interrupted. Sources other than arrays (generators,
    datasets) are replayed from the start of their pass, skipping the
    batches already used.

    Backups are written to a temporary file and renamed, so a crash during
    a backup leaves the previous one whole; every stored tensor carries a
    checksum, so a damaged file is detected. The state is read at the
    beginning of `fit` and the folder is deleted when `fit` completes
    (`delete_checkpoint=True`).

    Args:
        backup_dir: Folder for the backup. Not to be shared with other
            callbacks or runs.
        save_freq: `"epoch"` to back up at the end of every epoch, or an
            integer: back up after every this many training batches.
        delete_checkpoint: Whether to delete the backup once training
            completes.
        double_checkpoint: Whether to keep the previous backup too; if the
            latest is damaged, training resumes from the previous one.

    Example:

    >>> backup = BackupAndRestore(backup_dir="/tmp/backup", save_freq=100)
    >>> # model.fit(x, y, epochs=10, callbacks=[backup])
    >>> # ... killed; run the same `fit` again: it resumes at the batch
    >>> # after the last backup.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 double_checkpoint=False):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "Empty `backup_dir` argument passed. Expected the path of a "
                f"folder. Received: backup_dir={backup_dir!r}"
            )
        if save_freq != "epoch" and (
            not isinstance(save_freq, int) or isinstance(save_freq, bool)
            or save_freq < 1
        ):
            raise ValueError(
                "Invalid value for argument `save_freq`. Expected either "
                "'epoch' or a positive integer (a number of batches). "
                f"Received: save_freq={save_freq!r}"
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.double_checkpoint = double_checkpoint
        self._latest_path = os.path.join(self.backup_dir, "latest.state.h5")
        self._previous_path = os.path.join(self.backup_dir,
                                           "previous.state.h5")
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch_seen = -1
        self._pending = None

    # -- Restoring ---------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        self._pending = None
        self._remove_torn_writes()
        state, source = self._read_backup()
        if state is None:
            return
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be "
                "built before you call `fit()`. The model "
                f"'{self.model.name}' is unbuilt: build it (e.g. call it on a "
                "batch of data, or start it with an `Input`) to resume from "
                f"the backup {source}."
            )
        iterator = getattr(self.model, "train_iterator", None)
        training_state.check_matches(state, self.model, source)
        training_state.check_same_data(state, iterator, source)
        training_state.apply_weights(state, self.model)
        meta = state.metadata
        if iterator is not None:
            device = getattr(iterator.adapter, "device", None)
            iterator.resume(training_state.data_position(state, device),
                            meta["epoch"])
        self._current_epoch = meta["epoch"]
        # Metrics are reset when the epoch begins and the random generators
        # may be drawn from until then: both are restored in
        # `on_epoch_begin`, just before the first resumed batch.
        self._pending = state

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._last_batch_seen = -1
        state, self._pending = self._pending, None
        if state is None:
            return
        self._last_batch_seen = state.metadata["step"] - 1
        if state.metadata["step"] > 0:
            self._restore_metrics(state)
        training_state.apply_random(state, self.model)

    def _restore_metrics(self, state):
        if not training_state.apply_metrics(state, self.model):
            # Compiled metrics are built by their first update: build them
            # on one batch, then overwrite what that batch added.
            self._build_metrics()
            if not training_state.apply_metrics(state, self.model):
                warnings.warn(
                    "BackupAndRestore could not restore the metrics of the "
                    "interrupted epoch (they differ from the backup's); "
                    "this epoch's logged metrics cover the resumed batches "
                    "only.",
                    stacklevel=3,
                )

    def _build_metrics(self):
        adapter = getattr(getattr(self.model, "train_iterator", None),
                          "adapter", None)
        if not hasattr(adapter, "batches"):
            return
        batch = next(adapter.batches(), None)
        if batch is None:
            return
        x, y = batch[0], batch[1] if len(batch) > 1 else None
        weights = batch[2] if len(batch) > 2 else None
        with torch.no_grad():
            y_pred = self.model(x, training=False)
            self.model.compute_metrics(x, y, y_pred, sample_weight=weights)

    def _remove_torn_writes(self):
        """Temporary files of backups whose writing was interrupted."""
        if not is_rank_zero() or not os.path.isdir(self.backup_dir):
            return
        prefix = "." + os.path.basename(self._latest_path) + "."
        for name in os.listdir(self.backup_dir):
            if name.startswith(prefix) and name.endswith(".tmp"):
                os.remove(os.path.join(self.backup_dir, name))

    def _read_backup(self):
        """The newest readable backup and its path, or (None, None)."""
        candidates = [self._latest_path]
        if self.double_checkpoint:
            candidates.append(self._previous_path)
        # Here, not at the top: h5py then loads with BackupAndRestore's
        # first use, not with every `fit` (which imports all callbacks).
        from lamina.callbacks import training_state_file

        failure = None
        for path in candidates:
            if not os.path.exists(path):
                continue
            try:
                state = training_state_file.read(path)
            except ValueError as error:
                failure = failure or error
                continue
            if failure is not None:
                warnings.warn(
                    f"{failure} Resuming from the previous backup {path}.",
                    stacklevel=3,
                )
            return state, path
        if failure is not None:
            raise ValueError(
                f"{failure} Delete the folder {self.backup_dir} to start "
                "training from the beginning."
            ) from failure
        return None, None

    # -- Backing up ----------------------------------------------------------

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # Batches, not calls: with `steps_per_execution` a call ends several.
        self._batches_since_save += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            # The next run starts with the next epoch's first batch.
            self._save(epoch + 1, epoch_end=True)

    def _save(self, epoch, epoch_end=False):
        # Sharded variables (ModelParallel) are gathered by every rank.
        gathers = getattr(distribution_hook.active(), "gathers_to_save",
                          False)
        if not is_rank_zero() and not gathers:
            wait_for_every_process()  # every rank resumes from rank 0's
            return
        state = training_state.capture(
            self.model, getattr(self.model, "train_iterator", None), epoch,
            epoch_end)
        if not is_rank_zero():
            wait_for_every_process()
            return
        from lamina.callbacks import training_state_file

        with atomic_path(self._latest_path) as temporary:
            training_state_file.write(temporary, state)
            if self.double_checkpoint and os.path.exists(self._latest_path):
                # Killed between these renames, the previous backup remains.
                os.replace(self._latest_path, self._previous_path)
        wait_for_every_process()

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and is_rank_zero() and \
                os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
        wait_for_every_process()  # no rank reads a backup being deleted
