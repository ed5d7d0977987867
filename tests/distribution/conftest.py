"""Runs a worker script of this folder under a real 2-process `torchrun`
(gloo, loopback: `--standalone` picks a free local port), and loads a worker
module for the single-process reference."""

import importlib.util
import json
import os
import signal
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
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # torchrun ends its workers (each in a session of its own) on
        # SIGTERM; killed outright, it would leave them hanging.
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
        raise AssertionError(
            f"{script} did not finish in {timeout} s (a hang?):\n"
            + stdout[-3000:] + stderr[-3000:]) from None
    assert process.returncode == 0, stdout[-3000:] + stderr[-3000:]
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
