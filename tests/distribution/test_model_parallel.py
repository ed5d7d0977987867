"""ModelParallel under a real 2-process `torchrun`: a LayoutMap shards a
Dense kernel by column (FSDP2, DTensor) and `fit` trains it to the numbers
of a single process."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def ranks(tmp_path_factory, run_torchrun):
    return run_torchrun("mp_worker.py", tmp_path_factory.mktemp("mp"))


@pytest.fixture(scope="module")
def single(load_worker):
    return load_worker("mp_worker").train()[1]


def test_the_kernel_is_sharded_by_column(ranks):
    for rank in ranks:
        assert rank["kernel_type"] == "DTensor"
        assert rank["kernel_placements"] == ["S(1)"]  # Shard(dim=1)
        assert rank["kernel_local_shape"] == [4, 4]  # of (4, 8)
        assert rank["in_weight_lists"]


def test_training_matches_a_single_process(ranks, single):
    for rank in ranks:
        for got, want in zip(rank["weights"], single["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
        np.testing.assert_allclose(rank["prediction"], single["prediction"],
                                   atol=1e-5)
    assert ranks[0]["history"] == ranks[1]["history"]
    for key, values in single["history"].items():
        np.testing.assert_allclose(ranks[0]["history"][key], values,
                                   rtol=1e-5)
    assert single["history"]["loss"][-1] < single["history"]["loss"][0]


def test_layout_map_key_matching_nothing_is_refused(ranks):
    for rank in ranks:
        message = rank["unmatched_error"]
        assert message is not None
        assert "no_such_layer/kernel" in message
        assert "match no variable" in message


def test_a_custom_train_step_trains_the_sharded_model(ranks, single):
    for rank in ranks:
        for got, want in zip(rank["custom_step_weights"], single["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
