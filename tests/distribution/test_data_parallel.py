"""DataParallel under a real 2-process `torchrun` (gloo, loopback): the
result equals one process training on the same global batches."""

import os

import numpy as np
import pytest

# "arrays_dropout", "arrays_noise*": each process's Dropout masks and
# Gaussian noise are its rows of those one process draws for the whole
# batch (even batches, uneven ones, ...: dp_worker.NOISY).
# "arrays_jit": the compiled step, whose gradients DDP must still average
# (they stayed per process when the step differentiated with
# `torch.autograd.grad`).
SOURCES = ["arrays", "pydataset", "generator", "loader", "arrays_dropout",
           "arrays_jit", "arrays_noise", "arrays_noise_uneven",
           "arrays_noise_ambiguous", "arrays_noise_grouped",
           "arrays_noise_grouped_ambiguous"]

@pytest.fixture(scope="module")
def ranks(tmp_path_factory, run_torchrun):
    return run_torchrun("dp_worker.py", tmp_path_factory.mktemp("dp"))


@pytest.fixture(scope="module")
def single(load_worker):
    worker = load_worker("dp_worker")
    return {source: worker.train(source)
            for source in SOURCES}


@pytest.mark.parametrize("source", SOURCES)
def test_weights_equal_a_single_process_run(ranks, single, source):
    for rank in ranks:
        for got, want in zip(rank[source]["weights"],
                             single[source]["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


@pytest.mark.parametrize("source", SOURCES)
def test_logs_are_global_and_equal_on_every_rank(ranks, single, source):
    assert ranks[0][source]["history"] == ranks[1][source]["history"]
    assert ranks[0][source]["evaluation"] == ranks[1][source]["evaluation"]
    for key, values in single[source]["history"].items():
        np.testing.assert_allclose(ranks[0][source]["history"][key], values,
                                   rtol=1e-5)
    for key, value in single[source]["evaluation"].items():
        np.testing.assert_allclose(ranks[0][source]["evaluation"][key], value,
                                   rtol=1e-5)


def test_weigh_loss_all_reduces_only_where_the_global_size_is_unknown(ranks):
    # The sharding saw each global batch: no collective per step. The one
    # exception: 63 rows by 16, whose last batch (15) gives one process 8
    # rows as the full ones do, so a step cannot tell it from them (a
    # grouped step may run after the last batch was read): that batch
    # sums the counts, once an epoch (in groups of 2, both steps of the
    # last group, read after it: twice).
    for rank in ranks:
        counts = {source: rank[source]["weigh_all_reduces"]
                  for source in SOURCES}
        assert counts == {**dict.fromkeys(SOURCES, 0),
                          "arrays_noise_ambiguous": 2,
                          "arrays_noise_grouped_ambiguous": 4}


def test_predict_returns_every_row_on_every_rank(ranks):
    assert ranks[0]["arrays"]["prediction_shape"] == [64, 3]
    assert ranks[1]["arrays"]["prediction_shape"] == [64, 3]


def test_rank_zero_alone_prints_and_writes_checkpoints(ranks, tmp_path_factory):
    assert "Epoch 1/2" in ranks[0]["printed"]
    assert ranks[1]["printed"] == ""
    assert ranks[0]["checkpoint_saves"] == 2
    assert ranks[1]["checkpoint_saves"] == 0
    out_dir = tmp_path_factory.getbasetemp() / "dp0"
    assert sorted(os.listdir(out_dir)) == [
        "model.weights.h5", "rank0.json", "rank1.json"]


def test_devices_are_one_per_process(ranks):
    assert ranks[0]["devices"] == ["cpu:0", "cpu:1"]


def test_backup_and_restore_resumes_every_rank(ranks, load_worker, tmp_path):
    single = load_worker("dp_worker").resume(str(tmp_path / "backup"))
    assert single["epochs"] == [2]
    for rank in ranks:
        assert rank["resume"]["epochs"] == [2]
        assert not rank["resume"]["backup_left"]
        np.testing.assert_allclose(rank["resume"]["loss"], single["loss"],
                                   rtol=1e-5)
        for got, want in zip(rank["resume"]["weights"], single["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


def test_a_custom_train_step_is_refused(ranks):
    for rank in ranks:
        message = rank["custom_step_error"]
        assert message is not None and "overrides `train_step`" in message
        assert "DistributedDataParallel" in message


def test_a_shuffled_fit_resumes_mid_epoch_on_every_rank(ranks, load_worker,
                                                       tmp_path):
    worker = load_worker("dp_worker")
    single = worker.resume_mid_epoch(str(tmp_path / "backup"))
    for rank in ranks:
        for got, want in zip(rank["resume_mid_epoch"], single):
            np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
