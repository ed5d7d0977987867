"""DataParallel where the data does not divide into equal shards (2-process
`torchrun`, gloo, loopback).

The chosen semantics, for arrays, generators and `PyDataset`s: every
process takes its contiguous slice of each global batch (slices differ by
one row at most, and may be empty), so every row is used exactly once per
epoch; each process's gradient weighs by its share of the rows, so a step
is the single-process step over the same global batch; metrics count
exactly the global rows; `predict` runs every row in every process and
returns them all, in order. A `DataLoader` keeps torch's
`DistributedSampler` semantics (it repeats rows so that the processes
take as many steps)."""

import numpy as np
import pytest

CASES = ["arrays_16", "arrays_10", "pydataset"]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("uneven")


@pytest.fixture(scope="module")
def ranks(out_dir, run_torchrun):
    return run_torchrun("uneven_worker.py", out_dir)


@pytest.fixture(scope="module")
def single(load_worker):
    worker = load_worker("uneven_worker")
    return {name: worker.run(*case) for name, case in worker.CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_weights_equal_a_single_process_run(ranks, single, case):
    for rank in ranks:
        for got, want in zip(rank[case]["weights"], single[case]["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


@pytest.mark.parametrize("case", CASES)
def test_metrics_count_exactly_the_global_rows(ranks, single, case):
    assert ranks[0][case]["history"] == ranks[1][case]["history"]
    assert ranks[0][case]["evaluation"] == ranks[1][case]["evaluation"]
    for key, values in single[case]["history"].items():
        np.testing.assert_allclose(ranks[0][case]["history"][key], values,
                                   rtol=1e-5)
    for key, value in single[case]["evaluation"].items():
        np.testing.assert_allclose(ranks[0][case]["evaluation"][key], value,
                                   rtol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_predict_returns_every_row_once_in_order(ranks, single, case):
    for rank in ranks:
        assert len(rank[case]["prediction"]) == 33
        np.testing.assert_allclose(rank[case]["prediction"],
                                   single[case]["prediction"], atol=1e-6)


def test_a_data_loader_pads_as_distributed_sampler_does(ranks, load_worker):
    import torch
    import lamina as keras

    worker = load_worker("uneven_worker")
    x, y, _ = worker.data()
    # One process over the 34 rows DistributedSampler deals out: row 0
    # again at the end; each step's 16 rows are the two processes' 8.
    order = np.concatenate([np.arange(33), [0]])
    order = np.concatenate([order[0::2], order[1::2]])
    steps = [np.concatenate([order[:17][i:i + 8], order[17:][i:i + 8]])
             for i in range(0, 17, 8)]
    model = worker.mlp()
    for rows in steps:
        model.train_on_batch(x[rows], y[rows])
    want = model.get_weights()
    assert ranks[0]["loader"]["history"] == ranks[1]["loader"]["history"]
    for rank in ranks:
        for got, expected in zip(rank["loader"]["weights"], want):
            np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)


def test_rank_zero_alone_writes_csv_and_tensorboard_logs(ranks, out_dir):
    import csv
    import os

    assert ranks[0]["logged"] == ranks[1]["logged"]
    with open(out_dir / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == [0, 1]  # written once
    np.testing.assert_allclose([float(row["loss"]) for row in rows],
                               ranks[0]["logged"]["loss"], rtol=1e-6)
    for folder in ("train",):
        events = os.listdir(out_dir / "tensorboard" / folder)
        assert len(events) == 1 and events[0].startswith("events.out")


def test_a_loss_summed_over_the_batch_is_refused(ranks):
    for rank in ranks:
        message = rank["summed_loss_error"]
        assert message is not None and "reduction='sum'" in message
        assert "2 data shards" in message
