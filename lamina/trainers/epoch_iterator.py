"""Iterates one epoch of batches from a data adapter, honouring
`steps_per_epoch` (which may span several passes of a finite dataset, or
cut an endless generator into epochs) and moving batches to the device."""

import random
import warnings

import numpy as np
import torch

from lamina import config
from lamina.trainers.data_adapters import array_data_adapter
from lamina.utils import tree


class EpochIterator:
    def __init__(self, adapter, steps_per_epoch=None, device=None):
        # Capped by `config.set_max_steps_per_epoch`, as Keras does.
        limit = config.max_steps_per_epoch()
        if limit and (not steps_per_epoch or limit < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {limit}",
                          stacklevel=2)
            steps_per_epoch = limit
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self.device = device
        self._iterator = None
        self._exhausted_warned = False
        # Set when a one-shot source (a generator) has run dry: the
        # training loop stops instead of running empty epochs.
        self.exhausted = False
        self._array_fast_path = isinstance(
            adapter, array_data_adapter.ArrayDataAdapter)
        # Where the data stands, for resuming (BackupAndRestore): the next
        # step of the epoch, the next batch of the current pass over the
        # adapter and that pass's sample order.
        self._next_step = 0
        self._position = 0
        self._order = None
        self._pass_random = None
        self._resume = None
        # The epoch a resumed `fit` starts at (None: `initial_epoch`).
        self.resume_epoch = None

    @property
    def num_batches(self):
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return self.adapter.num_batches

    def state(self, epoch_end=False):
        """Where training stands in the data, read after a batch was used:
        `{"step", "position", "order", "random"}`, the next step of the
        epoch, the next batch of the current pass over the data, that
        pass's sample order (row indices of shuffled arrays, else None) and,
        for other sources, the global random state the pass began with
        (what a shuffling `DataLoader` or `PyDataset` draws from).

        With `epoch_end`, where the next epoch starts: a new pass, unless
        `steps_per_epoch` cuts epochs out of a longer one."""
        if epoch_end and self.steps_per_epoch is None:
            return {"step": 0, "position": 0, "order": None, "random": None}
        return {"step": 0 if epoch_end else self._next_step,
                "position": self._position, "order": self._order,
                "random": self._pass_random}

    def resume(self, state, epoch):
        """Makes `fit` start at `epoch`, whose first step continues from
        `state` (as `state()` gave it): same pass, order and batch. Arrays
        restart exactly there; other sources replay the pass, skipping the
        batches already used."""
        self._resume = dict(state)
        self.resume_epoch = epoch

    def _start_pass(self, resume=None):
        """An iterator over one pass of the adapter's batches, from the
        resumed position when given."""
        first = resume["position"] if resume else 0
        self._position = first
        if self._array_fast_path or hasattr(self.adapter, "batches"):
            order = resume["order"] if resume else None
            if order is None:
                order = self.adapter.draw_order()  # None when unshuffled
            self._order = order
            return self.adapter.batches(order, first)
        self._order = None
        replay = resume.get("random") if resume and first else None
        if replay is not None:
            # Replay the pass with the random state it began with, so a
            # shuffling source draws the same order; then come back.
            current = global_random_state()
            set_global_random_state(replay)
        self._pass_random = replay or global_random_state()
        batches = iter(self.adapter)
        for _ in range(first):
            if next(batches, None) is None:
                break
        if replay is not None:
            set_global_random_state(current)
        return batches

    def tensor_slices(self):
        """One pass over a single unshuffled in-memory tensor (no targets,
        no weights) already on the device, as views sliced in a loop:
        predict's fast path, with no per-batch tuple or index handling.
        None for any other data."""
        adapter = self.adapter
        if not self._array_fast_path or self.steps_per_epoch is not None \
                or adapter.shuffle or adapter.y is not None \
                or adapter.sample_weight is not None \
                or not isinstance(adapter.x, torch.Tensor) \
                or adapter.storage_device != adapter.device:
            return None
        x, size = adapter.x, adapter.batch_size
        return (x[start:start + size]
                for start in range(0, adapter.num_samples, size))

    def __iter__(self):
        resume, self._resume = self._resume, None
        if self.steps_per_epoch is None:
            batches = self._start_pass(resume)
            first = self._next_step = self._position
            if self._array_fast_path:
                # Array batches are already on the device.
                for step, batch in enumerate(batches, first):
                    self._next_step = self._position = step + 1
                    yield step, batch
            else:
                for step, batch in enumerate(batches, first):
                    self._next_step = self._position = step + 1
                    yield step, self._to_device(batch)
            # The state stays "pass done" until the next pass starts: a
            # callback may still save it (the last of grouped steps).
            self.adapter.on_epoch_end()
            return
        # With steps_per_epoch the underlying iterator persists across
        # epochs, restarting only when a finite dataset runs out.
        step = 0
        if resume is not None:
            step = resume["step"]
            self._iterator = self._start_pass(resume)
        self._next_step = step
        restarted_empty = False
        while step < self.steps_per_epoch:
            if self._iterator is None:
                self._iterator = self._start_pass()
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self._position = 0
                self._order = self._pass_random = None
                self.adapter.on_epoch_end()
                if restarted_empty or not self._can_restart():
                    self._warn_ran_out(step)
                    self.exhausted = True
                    return
                restarted_empty = True
                continue
            restarted_empty = False
            self._position += 1
            self._next_step = step + 1
            yield step, self._to_device(batch)
            step += 1

    def _can_restart(self):
        return getattr(self.adapter, "can_restart", True)

    def _warn_ran_out(self, step):
        if not self._exhausted_warned:
            warnings.warn(
                "Your input ran out of data; interrupting training. Make sure "
                "that your dataset or generator can generate at least "
                "`steps_per_epoch * epochs` batches. "
                f"(Ran out after {step} steps of {self.steps_per_epoch}.)",
                stacklevel=4,
            )
            self._exhausted_warned = True

    def _to_device(self, batch):
        if self._array_fast_path or self.device is None:
            return batch
        return tree.map_structure(self._move, batch)

    def _move(self, value):
        if isinstance(value, torch.Tensor):
            return value.to(self.device, non_blocking=True)
        return value


def global_random_state():
    """torch's (CPU), NumPy's and Python's global random states."""
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
            "python": random.getstate()}


def set_global_random_state(state):
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
