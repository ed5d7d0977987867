"""What the data sharding records per batch, with no process group: the
row shard random draws take their rows of (`random_masks.row_shard`), and
the global row count `weigh_loss` divides by, with no communication
(`data_sharding.global_batch_rows`). The 2-process runs:
test_data_parallel.py (weights, and weigh_loss's all-reduces counted)."""

import numpy as np
import pytest
import torch

from lamina import random_masks
from lamina.distribution import data_sharding
from lamina.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
)
from lamina.trainers.data_adapters.torch_data_loader_adapter import (
    TorchDataLoaderAdapter,
)


def _sharded_arrays(rows, batch_size, shard_id):
    x = np.arange(rows, dtype="float32").reshape(rows, 1)
    adapter = ArrayDataAdapter(x, x, batch_size=batch_size,
                               device=torch.device("cpu"))
    return data_sharding.shard_adapter(adapter, shard_id, 2)


@pytest.mark.parametrize("rows,batch_size", [(64, 16), (62, 24), (33, 16),
                                             (33, 10)])
def test_each_batch_records_its_shard_and_global_rows(rows, batch_size):
    for shard_id in range(2):
        seen = []
        for x, _ in _sharded_arrays(rows, batch_size, shard_id).batches():
            first = int(x[0, 0]) % batch_size if len(x) else None
            total = min(batch_size, rows - len(seen) * batch_size)
            shard = random_masks.row_shard()
            assert (shard.rows, shard.total_rows) == (len(x), total)
            if first is not None:
                assert shard.first_row == first
            assert data_sharding.global_batch_rows(len(x)) == total
            seen.append(total)
        # After the pass: nothing recorded (no stale shard or count).
        assert random_masks.row_shard() is None
        assert data_sharding.global_batch_rows(len(x)) is None
    assert sum(seen) == rows


def test_a_slice_size_with_two_global_sizes_is_unknown_from_then_on():
    # 63 rows by 16: the last batch (15) gives shard 1 eight rows, as the
    # full batches do, so a step on 8 rows (perhaps one read earlier:
    # steps_per_execution) cannot tell 16 from 15. Shard 0 (7 rows) could,
    # but both shards must decide alike (or one would wait forever in an
    # all-reduce the other never joins).
    for shard_id in range(2):
        answers = [data_sharding.global_batch_rows(len(x)) for x, _ in
                   _sharded_arrays(63, 16, shard_id).batches()]
        assert answers == [16, 16, 16, None]


def test_read_ahead_batches_still_get_their_own_shard_and_global_rows():
    # Grouped steps (steps_per_execution) run after the group's batches
    # were all read: each still gets its own batch's shard and count.
    batches = iter(_sharded_arrays(33, 16, 1).batches())
    group = [next(batches) for _ in range(3)]
    assert [data_sharding.global_batch_rows(len(x)) for x, _ in group] == \
        [16, 16, 1]
    assert [tuple(random_masks.row_shard(len(x))) for x, _ in group] == \
        [(8, 8, 16), (8, 8, 16), (0, 1, 1)]
    assert random_masks.row_shard() == (0, 1, 1)  # the latest read


@pytest.mark.parametrize("rows,groups", [
    (64, [[16, 16, 16], [16]]),
    (33, [[16, 16], [1]]),
    (40, [[16], [16, 8]]),
])
def test_a_pass_that_ran_out_keeps_its_shards_for_its_last_steps(
        rows, groups):
    # steps_per_execution reads a group of batches, then steps through
    # them; the last group runs once the data ran out (the pass is over):
    # its steps still take their shards and global row counts (until the
    # adapter's next pass starts, or the adapter is dropped).
    sharded = _sharded_arrays(rows, 16, 1)
    for _ in range(2):  # two epochs
        batches = sharded.batches()
        for totals in groups:
            group = [next(batches)[0] for _ in totals]
            if totals is groups[-1]:
                assert next(batches, None) is None  # the pass ran out
            for x, total in zip(group, totals):
                assert data_sharding.global_batch_rows(len(x)) == total
                assert random_masks.row_shard(len(x)).total_rows == total
    del sharded, batches
    assert random_masks.row_shard() is None
    assert data_sharding.global_batch_rows(8) is None


def test_a_distributed_sampler_deals_every_shard_as_many_rows():
    dataset = torch.utils.data.TensorDataset(torch.arange(33.0))
    adapter = TorchDataLoaderAdapter(
        torch.utils.data.DataLoader(dataset, batch_size=8))
    sharded = data_sharding.shard_adapter(adapter, 1, 2)
    sizes = []
    for (x,) in sharded:
        sizes.append(len(x))
        assert data_sharding.global_batch_rows(len(x)) == 2 * len(x)
        # Rows not contiguous: draws along them are this process's own.
        assert random_masks.row_shard() == (0, len(x), len(x))
    assert sizes == [8, 8, 1]  # 17 of the 34 rows the sampler pads to
    del sharded  # (the pass's record lasts as long as the adapter)
    assert data_sharding.global_batch_rows(8) is None
    assert random_masks.row_shard() is None


def test_only_the_pass_read_latest_gives_shards_and_global_rows():
    # A pass left suspended (a validation pass kept across epochs) does
    # not shard the draws of the pass read after it, nor answer its
    # global row counts; nor does a pass nested in it once it ends.
    suspended = iter(_sharded_arrays(32, 16, 1).batches())
    try:
        next(suspended)
        assert random_masks.row_shard(8) == (8, 8, 16)
        assert data_sharding.global_batch_rows(3) is None
        dataset = torch.utils.data.TensorDataset(torch.arange(32.0))
        sampled = data_sharding.shard_adapter(TorchDataLoaderAdapter(
            torch.utils.data.DataLoader(dataset, batch_size=8)), 1, 2)
        for _ in sampled:
            assert random_masks.row_shard(8) == (0, 8, 8)
            nested = iter(_sharded_arrays(20, 10, 1).batches())
            next(nested)
            assert random_masks.row_shard(5) == (5, 5, 10)
            assert data_sharding.global_batch_rows(3) is None
            nested.close()
            assert random_masks.row_shard(5) is None
            assert random_masks.row_shard(8) == (0, 8, 8)
            assert data_sharding.global_batch_rows(3) == 6  # the sampler's
        del sampled
        assert random_masks.row_shard(8) == (8, 8, 16)  # the suspended one
    finally:
        suspended.close()
    assert random_masks.row_shard() is None
    assert data_sharding.global_batch_rows(8) is None


def test_no_sharded_data_no_global_rows():
    assert data_sharding.global_batch_rows(8) is None


def test_a_bad_row_shard_is_refused():
    with pytest.raises(ValueError, match="first_row=6, rows=3, "
                                         "total_rows=8"):
        random_masks.set_row_shard(6, 3, 8)
