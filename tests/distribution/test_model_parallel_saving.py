"""Saving and loading under ModelParallel (2-process `torchrun`, gloo,
loopback): ModelCheckpoint, `save` and `save_weights` gather the sharded
variables and rank 0 alone writes Keras's usual layout, the same file one
process writes; `load_weights` and `load_model` give each process its
shard again, and training goes on as in one process."""

import os

import h5py
import numpy as np
import pytest

FILES = ["best.keras", "epoch1.weights.h5", "epoch2.weights.h5",
         "epoch3.weights.h5", "model.h5", "model.keras", "model.weights.h5"]


@pytest.fixture(scope="module")
def out_dirs(tmp_path_factory):
    return (tmp_path_factory.mktemp("mp_save"),
            tmp_path_factory.mktemp("single_save"))


@pytest.fixture(scope="module")
def ranks(out_dirs, run_torchrun):
    return run_torchrun("mp_save_worker.py", out_dirs[0])


@pytest.fixture(scope="module")
def single(out_dirs, load_worker):
    return load_worker("mp_save_worker").run(str(out_dirs[1]))


def _h5_contents(path):
    contents = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: contents.__setitem__(
            name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return contents


def _close(got, want, atol=1e-5):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=atol, rtol=0)


def test_rank_zero_alone_writes_every_file(ranks, out_dirs):
    assert all(rank["sharded"] for rank in ranks)
    assert sorted(os.listdir(out_dirs[0])) == sorted(
        FILES + ["after_error.weights.h5", "rank0.json", "rank1.json"])
    # (the backup was deleted)
    assert "saving model to" in ranks[0]["printed"]
    assert ranks[1]["printed"] == ""


@pytest.mark.parametrize("name", ["epoch1.weights.h5", "epoch3.weights.h5",
                                  "model.weights.h5", "model.h5"])
def test_files_hold_whole_variables_as_one_process_writes(ranks, single,
                                                          out_dirs, name):
    sharded = _h5_contents(out_dirs[0] / name)
    plain = _h5_contents(out_dirs[1] / name)
    assert sorted(sharded) == sorted(plain)
    kernel = "model_weights/dense/sequential/dense/kernel" \
        if name == "model.h5" else "layers/dense/vars/0"  # not fsdp_dense
    assert sharded[kernel].shape == (4, 8)
    for key, value in plain.items():
        np.testing.assert_allclose(sharded[key], value, atol=1e-5, rtol=0)


def test_a_keras_archive_names_the_layers_classes(ranks, out_dirs):
    import zipfile

    with zipfile.ZipFile(out_dirs[0] / "model.keras") as archive:
        config = archive.read("config.json").decode()
    assert '"class_name": "Dense"' in config
    assert "FSDP" not in config


def test_training_matches_one_process(ranks, single):
    for rank in ranks:
        _close(rank["weights"], single["weights"])
        np.testing.assert_allclose(rank["prediction"], single["prediction"],
                                   atol=1e-5)


def test_load_weights_reshards_into_the_sharded_model(ranks, single):
    for rank in ranks:
        assert rank["kernel_after_load"] == "ShardedVariable"
        _close(rank["loaded_epoch1"], single["loaded_epoch1"])
        _close(rank["reloaded"], single["weights"])
        _close(rank["trained_on"], single["trained_on"])


def test_load_model_shards_the_loaded_model_and_trains_on(ranks, single):
    for rank in ranks:
        _close(rank["loaded_model"], single["weights"])
        np.testing.assert_allclose(rank["loaded_model_prediction"],
                                   single["prediction"], atol=1e-5)
        assert rank["loaded_model_sharded"]
        _close(rank["loaded_model_trained_on"],
               single["loaded_model_trained_on"])


def test_backup_and_restore_resumes_the_sharded_model(ranks, single,
                                                      load_worker):
    worker = load_worker("mp_worker")
    x, y = worker.data()
    model = worker.model()
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    uninterrupted = [w.tolist() for w in model.get_weights()]
    _close(single["resume"]["weights"], uninterrupted)
    for rank in ranks:
        assert rank["resume"]["epochs"] == [1]
        _close(rank["resume"]["weights"], uninterrupted)


def test_an_optimizer_built_before_sharding_is_refused(ranks, single):
    assert single["built_optimizer_error"] is None  # one process: no sharding
    for rank in ranks:
        message = rank["built_optimizer_error"]
        assert message is not None and "before `ModelParallel`" in message


def test_a_path_rank_zero_cannot_write_fails_in_every_process(ranks):
    for rank in ranks:  # instead of hanging in the gathering
        assert len(rank["unwritable_errors"]) == 3  # save, weights, callback
        for error in rank["unwritable_errors"]:
            assert error is not None and "failed in process 0" in error
            assert "mp_save_worker.py" in error and "rank 0" in error


def test_rank_zero_alone_asks_before_overwriting(ranks):
    assert ranks[0]["declined_overwrite"] == {"asked": 1, "unchanged": True}
    assert ranks[1]["declined_overwrite"] == {"asked": 0, "unchanged": True}


def test_set_weights_gives_each_rank_its_shard(ranks, single):
    for rank in ranks:  # EarlyStopping(restore_best_weights) relies on it
        _close(rank["set_weights"], single["loaded_epoch1"])
        _close(rank["set_weights"], single["set_weights"])
        np.testing.assert_allclose(rank["set_weights_prediction"],
                                   single["set_weights_prediction"],
                                   atol=1e-5)
