"""DataParallel under a real 2-process `torchrun` (gloo, loopback): the
result equals one process training on the same global batches."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _worker_module():
    spec = importlib.util.spec_from_file_location(
        "dp_worker", os.path.join(HERE, "dp_worker.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_torchrun(script, out_dir, timeout=120):
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", os.path.join(HERE, script), str(out_dir)]
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ranks = []
    for rank in range(2):
        with open(os.path.join(out_dir, f"rank{rank}.json")) as f:
            ranks.append(json.load(f))
    return ranks


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    return run_torchrun("dp_worker.py", tmp_path_factory.mktemp("dp"))


@pytest.fixture(scope="module")
def single():
    worker = _worker_module()
    return {source: worker.train(source)
            for source in ("arrays", "generator", "loader")}


@pytest.mark.parametrize("source", ["arrays", "generator", "loader"])
def test_weights_equal_a_single_process_run(ranks, single, source):
    for rank in ranks:
        for got, want in zip(rank[source]["weights"],
                             single[source]["weights"]):
            np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


@pytest.mark.parametrize("source", ["arrays", "generator", "loader"])
def test_logs_are_global_and_equal_on_every_rank(ranks, single, source):
    assert ranks[0][source]["history"] == ranks[1][source]["history"]
    assert ranks[0][source]["evaluation"] == ranks[1][source]["evaluation"]
    for key, values in single[source]["history"].items():
        np.testing.assert_allclose(ranks[0][source]["history"][key], values,
                                   rtol=1e-5)
    for key, value in single[source]["evaluation"].items():
        np.testing.assert_allclose(ranks[0][source]["evaluation"][key], value,
                                   rtol=1e-5)


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
