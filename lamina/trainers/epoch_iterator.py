"""Iterates one epoch of batches from a data adapter, honouring
`steps_per_epoch` (which may span several passes of a finite dataset, or
cut an endless generator into epochs) and moving batches to the device."""

import warnings

import torch

from lamina.utils import tree


class EpochIterator:
    def __init__(self, adapter, steps_per_epoch=None, device=None):
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self.device = device
        self._iterator = None
        self._exhausted_warned = False
        # Set when a one-shot source (a generator) has run dry: the
        # training loop stops instead of running empty epochs.
        self.exhausted = False
        self._array_fast_path = type(adapter).__name__ == "ArrayDataAdapter"

    @property
    def num_batches(self):
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return self.adapter.num_batches

    def __iter__(self):
        if self.steps_per_epoch is None:
            if self._array_fast_path:
                # Array batches are already on the device.
                yield from enumerate(self.adapter)
            else:
                for step, batch in enumerate(self.adapter):
                    yield step, self._to_device(batch)
            self.adapter.on_epoch_end()
            return
        # With steps_per_epoch the underlying iterator persists across
        # epochs, restarting only when a finite dataset runs out.
        step = 0
        restarted_empty = False
        while step < self.steps_per_epoch:
            if self._iterator is None:
                self._iterator = iter(self.adapter)
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self.adapter.on_epoch_end()
                if restarted_empty or not self._can_restart():
                    self._warn_ran_out(step)
                    self.exhausted = True
                    return
                restarted_empty = True
                continue
            restarted_empty = False
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
