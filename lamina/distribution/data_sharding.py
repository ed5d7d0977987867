"""Each process's share of the data, for any data adapter.

Arrays, generators and `PyDataset`s: every process reads the same global
batches (shuffled arrays in rank 0's order, `PyDataset`s shuffled from rank
0's Python random state) and keeps its contiguous slice of each; the
`batch_size` given to `fit` is the global batch. Where a batch does not
divide by the number of processes (the last one, usually), the slices
differ by one row, and some are empty when the batch has fewer rows than
there are processes: every row is used once per epoch, each process's
gradient weighs by its share of the rows (`TrainerEdges.weigh_loss`), and
metrics count exactly the global rows. `predict` is not sharded: every
process predicts every row, in order.

A torch `DataLoader` is rebuilt around a `DistributedSampler`, torch's way:
its `batch_size` is each process's, and the sampler repeats rows at the
end (or drops them, with `drop_last=True`) so that every process takes as
many steps.
"""

import random
import weakref

import torch.distributed as dist
import torch.utils.data as torch_data

from lamina import random_masks
from lamina.trainers.data_adapters.torch_data_loader_adapter import (
    TorchDataLoaderAdapter,
)
from lamina.utils import tree


def shard_adapter(adapter, shard_id, num_shards):
    """The adapter this process iterates: shard `shard_id` of `num_shards`
    of every batch (`num_shards` 1: every batch whole)."""
    if isinstance(adapter, TorchDataLoaderAdapter):
        loader = distributed_loader(adapter.loader, shard_id, num_shards)
        if loader is not None:
            return _EpochSampledLoader(TorchDataLoaderAdapter(
                loader, class_weight=adapter.class_weight,
                float_dtype=adapter.float_dtype), num_shards)
    if hasattr(adapter, "batches"):
        return _ShardedArrays(adapter, shard_id, num_shards)
    return _ShardedStream(adapter, shard_id, num_shards)


def shard_batch(batch, shard_id, num_shards):
    """Rows `[start, stop)` of every leaf of `batch`: contiguous slices that
    differ in size by at most one row."""
    def piece(value):
        if value is None or not hasattr(value, "shape") or \
                not len(value.shape):
            return value
        rows = int(value.shape[0])
        start = rows * shard_id // num_shards
        stop = rows * (shard_id + 1) // num_shards
        return value[start:stop]

    return tree.map_structure(piece, batch)


def global_batch_rows(rows):
    """The global batch's row count for a train step on `rows` rows of
    this process, where the sharding of the data being iterated knows it
    (with no communication); else None (the processes must sum their
    counts).

    - Arrays, generators and `PyDataset`s (every process slices the same
      global batches): the global size whose slice here has `rows` rows.
      A step may run after later batches were read (`steps_per_execution`
      groups them), so a slice size must name one global size in the
      whole pass so far: 16 rows over 2 processes then a last batch of 1
      or 3 rows do, but 16 then 15 do not (8 rows from either), and from
      then on in that pass the answer is None, in every process alike
      (it depends on the global sizes only).
    - A `DataLoader` over a `DistributedSampler`: the sampler deals every
      process as many rows, so each step's global count is `rows` times
      the number of shards.
    - Data the user shards (`auto_shard_dataset=False`): None.
    """
    record = next(reversed(_open_passes), None)
    return None if record is None else record.global_rows(rows)


# The records of the sharded passes whose batches may still be stepped
# through, the one whose batch was read latest last: `global_batch_rows`
# answers from it, as draws take its row shards. A pass that is over (an
# `evaluate` inside a callback of `fit`) hands back to the one it
# interrupted.
_open_passes = {}


def _forget(record):
    random_masks.clear_row_shard(record)
    _open_passes.pop(record, None)


class _Passes:
    """Runs an adapter's passes, each with a new record (`new_record()`)
    that reads its batches (`record.read(batch)`: this process's part,
    its row shard set).

    A pass left before its end (an error, a `break`) forgets its record
    at once. One that ran out keeps it until the adapter's next pass or
    until the adapter is dropped: its last batches may still be stepped
    through (`steps_per_execution` groups the last ones, and runs them
    once the data ran out)."""

    def __init__(self, owner, new_record):
        self.new_record = new_record
        self.ran_out = []
        weakref.finalize(owner, self.forget)

    def run(self, batches):
        self.forget()
        record = self.new_record()
        try:
            for batch in batches:
                batch = record.read(batch)
                _open_passes.pop(record, None)
                _open_passes[record] = None  # the latest read last
                yield batch
        except BaseException:  # GeneratorExit included
            _forget(record)
            raise
        self.ran_out.append(record)

    def forget(self):
        for record in self.ran_out:
            _forget(record)
        self.ran_out = []


class _SlicedPass:
    """Global sizes of one pass's batches, by the size of this process's
    slice; unusable once some process's slice size has come with two
    global sizes (the same answer in every process: it depends only on
    the global sizes)."""

    def __init__(self, shard_id, num_shards):
        self.shard_id = shard_id
        self.num_shards = num_shards
        self.totals = set()
        self.by_rows = {}
        self.ambiguous = False

    def add(self, total):
        if total in self.totals:
            return
        n = self.num_shards
        for seen in self.totals:
            if any(_slice_rows(total, s, n) == _slice_rows(seen, s, n)
                   for s in range(n)):
                self.ambiguous = True
        self.totals.add(total)
        self.by_rows[_slice_rows(total, self.shard_id, n)] = total

    def global_rows(self, rows):
        return None if self.ambiguous else self.by_rows.get(rows)

    def read(self, batch):
        """This process's slice of `batch`; until the next batch read,
        draws along its rows are its rows of the whole batch's draws (so
        a step with Dropout is the step one process would take)."""
        rows = _batch_rows(batch)
        piece = shard_batch(batch, self.shard_id, self.num_shards)
        if rows is not None:
            shard = (rows * self.shard_id // self.num_shards,
                     _slice_rows(rows, self.shard_id, self.num_shards), rows)
            random_masks.set_row_shard(*shard, source=self)
            self.add(rows)
            try:  # (what `step_on` reads; a NumPy array takes none)
                _first_array(piece)._lamina_row_shard = (self, shard)
            except AttributeError:
                pass
        return piece


class _EqualShards:
    """Every process's batches have as many rows (a DistributedSampler)."""

    def __init__(self, num_shards):
        self.num_shards = num_shards

    def global_rows(self, rows):
        return rows * self.num_shards

    def read(self, batch):
        """`batch` itself. The sampler's rows are not contiguous: draws
        along them are this process's own (the batch is its whole shard),
        whatever another pass's shards."""
        rows = _batch_rows(batch)
        if rows is not None:
            random_masks.set_row_shard(0, rows, rows, source=self)
        return batch


def _slice_rows(total, shard_id, num_shards):
    return (total * (shard_id + 1) // num_shards
            - total * shard_id // num_shards)


def step_on(batch):
    """Makes the row shard `batch` (this process's part of a global batch,
    as a pass yielded it) was read with the one draws take, before a step
    on it: a step may run after later batches were read
    (`steps_per_execution`), and one of those may have set another shard
    of as many rows (16 then 15 global rows: 8 here from either)."""
    first = _first_array(batch)
    read = getattr(first, "_lamina_row_shard", None)
    if read is None:
        return
    record, shard = read
    if record in _open_passes:  # (a pass already forgotten sets nothing)
        random_masks.set_row_shard(*shard, source=record)


def _first_array(batch):
    for value in tree.flatten(batch):
        if hasattr(value, "shape") and len(value.shape):
            return value
    return None


def _batch_rows(batch):
    """The row count of `batch` (its first array's), None without one."""
    for value in tree.flatten(batch):
        if hasattr(value, "shape") and len(value.shape):
            return int(value.shape[0])
    return None


class _ShardedArrays:
    """In-memory arrays: rank 0's sample order, this process's slices."""

    def __init__(self, adapter, shard_id, num_shards):
        self.adapter = adapter
        self._passes = _Passes(
            self, lambda: _SlicedPass(shard_id, num_shards))

    @property
    def num_batches(self):
        return self.adapter.num_batches

    @property
    def num_samples(self):  # read by BackupAndRestore's checks
        return self.adapter.num_samples

    @property
    def device(self):  # where a resumed sample order goes
        return self.adapter.device

    def draw_order(self):
        order = self.adapter.draw_order()
        if order is not None:
            dist.broadcast(order, src=0)
        return order

    def batches(self, order=None, first_batch=0):
        yield from self._passes.run(self.adapter.batches(order, first_batch))

    def __iter__(self):
        yield from self.batches(self.draw_order())

    def on_epoch_end(self):
        self.adapter.on_epoch_end()


class _ShardedStream:
    """Generators and `PyDataset`s: every process reads the same batches
    (a `PyDataset` shuffles with rank 0's Python random state) and keeps its
    slice. A generator must yield the same batches in every process."""

    def __init__(self, adapter, shard_id, num_shards):
        self.adapter = adapter
        self._passes = _Passes(
            self, lambda: _SlicedPass(shard_id, num_shards))
        self.can_restart = getattr(adapter, "can_restart", True)

    @property
    def num_batches(self):
        return self.adapter.num_batches

    def __iter__(self):
        state = [random.getstate()]
        dist.broadcast_object_list(state, src=0)
        random.setstate(state[0])
        yield from self._passes.run(self.adapter)

    def on_epoch_end(self):
        self.adapter.on_epoch_end()


class _EpochSampledLoader:
    """A `DataLoader` over a `DistributedSampler`, reshuffled per pass
    (`set_epoch`), as torch's recipe asks."""

    def __init__(self, adapter, num_shards):
        self.adapter = adapter
        self._epoch = 0
        self._passes = _Passes(self, lambda: _EqualShards(num_shards))

    @property
    def num_batches(self):
        return self.adapter.num_batches

    def __iter__(self):
        self.adapter.loader.sampler.set_epoch(self._epoch)
        self._epoch += 1
        yield from self._passes.run(self.adapter)

    def on_epoch_end(self):
        self.adapter.on_epoch_end()


def distributed_loader(loader, shard_id, num_shards):
    """`loader` rebuilt around a `DistributedSampler` (same batch size,
    collation and workers), or None when it cannot be (an
    `IterableDataset`, a custom batch sampler, or a sampler of its own)."""
    if isinstance(loader.dataset, torch_data.IterableDataset) or \
            loader.batch_size is None:
        return None
    if isinstance(loader.sampler, torch_data.DistributedSampler):
        return loader
    shuffle = isinstance(loader.sampler, torch_data.RandomSampler)
    if not shuffle and not isinstance(loader.sampler,
                                      torch_data.SequentialSampler):
        return None
    sampler = torch_data.DistributedSampler(
        loader.dataset, num_replicas=num_shards, rank=shard_id,
        shuffle=shuffle, seed=0,
        drop_last=loader.drop_last)
    return torch_data.DataLoader(
        loader.dataset, batch_size=loader.batch_size, sampler=sampler,
        num_workers=loader.num_workers, collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory, drop_last=loader.drop_last,
        timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
        persistent_workers=loader.persistent_workers)
