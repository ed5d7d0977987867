"""Devices and processes: what `keras.distribution` sees of torch.distributed.

Under `torchrun` every process drives one device (`cuda:LOCAL_RANK`, or the
CPU), so the global device list has one entry per process, indexed by rank.
"""

import os

import torch
import torch.distributed as dist

from lamina.distribution import teardown

_DEVICE_TYPES = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda"}


def is_distributed():
    """True inside an initialized process group."""
    return dist.is_available() and dist.is_initialized()


def process_rank():
    return dist.get_rank() if is_distributed() else 0


def num_processes():
    return dist.get_world_size() if is_distributed() else 1


def is_rank_zero():
    """True in the process that prints and writes files (rank 0), and in
    every process that is not part of a process group."""
    return process_rank() == 0


def check_joined():
    """Refuses to lay out a distribution in a process that torchrun
    started as one of several but that has not joined their group: it
    would train alone, on all the data, without a word."""
    launched = int(os.environ.get("WORLD_SIZE") or 1)
    if launched > 1 and not is_distributed():
        raise ValueError(
            f"This process is one of {launched} (WORLD_SIZE={launched}) but "
            "has not joined their process group: call "
            "`keras.distribution.initialize()` before creating a "
            "distribution.")


def wait_for_every_process():
    """A barrier across the process group (nothing outside one): files
    rank 0 writes are complete for every rank after it."""
    if is_distributed():
        dist.barrier()


def local_device():
    """This process's device: `cuda:LOCAL_RANK` when CUDA is present, else
    the CPU."""
    if torch.cuda.is_available():
        index = int(os.environ.get("LOCAL_RANK", 0))
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"This process has LOCAL_RANK={index}, but the machine has "
                f"{torch.cuda.device_count()} CUDA device(s): launch at most "
                "one process per GPU (`torchrun --nproc_per_node=N` with N "
                "no larger than the GPU count), or hide the GPUs "
                "(`CUDA_VISIBLE_DEVICES=`) to run the processes on the CPU.")
        return torch.device("cuda", index)
    return torch.device("cpu")


def _device_type(device_type):
    if device_type is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    name = str(device_type).lower()
    if name not in _DEVICE_TYPES:
        raise ValueError(
            "Invalid value for argument `device_type`. Expected one of "
            f"'cpu', 'gpu', 'cuda' or None. Received: "
            f"device_type={device_type!r}")
    return _DEVICE_TYPES[name]


def list_devices(device_type=None):
    """Every device of the job, as strings ("cpu:0", "cuda:1").

    In a process group, one device per process, numbered by rank; alone,
    this machine's CUDA devices (or the CPU). `device_type` is "cpu",
    "gpu"/"cuda", or None for the default (CUDA when available).
    """
    kind = _device_type(device_type)
    if is_distributed():
        return [f"{kind}:{rank}" for rank in range(num_processes())]
    if kind == "cuda":
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return ["cpu:0"]


def get_device_count(device_type=None):
    """How many devices `list_devices(device_type)` lists."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Joins the job's process group (`torch.distributed`).

    Arguments default to Keras's variables `KERAS_DISTRIBUTION_JOB_ADDRESSES`
    ("host:port,..."; the first address coordinates),
    `KERAS_DISTRIBUTION_NUM_PROCESSES` and `KERAS_DISTRIBUTION_PROCESS_ID`,
    then to what `torchrun` sets (`MASTER_ADDR`, `MASTER_PORT`,
    `WORLD_SIZE`, `RANK`). The backend is NCCL with CUDA, else gloo. Calling
    it again in an initialized process does nothing. At exit, the process
    waits for gloo's worker threads to finish (`teardown`).
    """
    if is_distributed():
        teardown.install()
        return
    env = os.environ
    job_addresses = job_addresses or env.get(
        "KERAS_DISTRIBUTION_JOB_ADDRESSES")
    num_processes = _first_int(num_processes, "KERAS_DISTRIBUTION_NUM_PROCESSES",
                               "WORLD_SIZE")
    process_id = _first_int(process_id, "KERAS_DISTRIBUTION_PROCESS_ID",
                            "RANK")
    if job_addresses:
        address = str(job_addresses).split(",")[0].strip()
        host, _, port = address.rpartition(":")
    else:
        host, port = env.get("MASTER_ADDR"), env.get("MASTER_PORT")
    missing = [name for name, value in (
        ("job_addresses (or MASTER_ADDR/MASTER_PORT)", host and port),
        ("num_processes (or WORLD_SIZE)", num_processes),
        ("process_id (or RANK)", process_id)) if value is None or value == ""]
    if missing:
        raise ValueError(
            "`keras.distribution.initialize()` needs a process group to join "
            "and found no settings for " + ", ".join(missing) + ". Launch "
            "the script with `torchrun --nproc_per_node=N script.py`, or pass "
            "`job_addresses`, `num_processes` and `process_id`.")
    backend = _backend()
    if torch.cuda.is_available():
        torch.cuda.set_device(local_device())
    dist.init_process_group(
        backend, init_method=f"tcp://{host}:{port}",
        world_size=int(num_processes), rank=int(process_id))
    teardown.install()


def _backend():
    if not dist.is_available():
        raise RuntimeError(
            "`keras.distribution.initialize()`: this torch build has no "
            "`torch.distributed` support (torch.distributed.is_available() "
            "is False). Install a torch build with distributed support.")
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if not dist.is_backend_available(backend):
        raise RuntimeError(
            f"`keras.distribution.initialize()`: the process-group backend "
            f"'{backend}' (needed on {'CUDA' if backend == 'nccl' else 'CPU'})"
            " is not available in this torch build.")
    return backend


def _first_int(value, *names):
    if value is not None:
        return int(value)
    for name in names:
        if os.environ.get(name):
            return int(os.environ[name])
    return None
