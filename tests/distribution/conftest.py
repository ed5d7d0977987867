"""Runs a worker script of this folder under a real 2-process `torchrun`
(gloo, loopback: `--standalone` picks a free local port), and loads a worker
module for the single-process reference."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _run_torchrun(script, out_dir, timeout=120):
    # The workers run on the CPU (gloo), whatever GPUs the machine has: two
    # processes need two GPUs for NCCL, and CI machines have at most one.
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="",
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


def _load_worker(name):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def run_torchrun():
    return _run_torchrun


@pytest.fixture(scope="session")
def load_worker():
    return _load_worker
