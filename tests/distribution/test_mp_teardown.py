"""A script in a process group ends without torch's gloo teardown abort:
at exit, `keras.distribution.initialize()`'s handler waits until gloo's
worker threads are idle (`lamina.distribution.teardown`)."""

import ctypes
import os
import socket
import sys
import threading
import time

import pytest
import torch
import torch.distributed as dist

from lamina.distribution import teardown

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@linux_only
def test_this_torch_names_its_gloo_worker_threads_as_watched():
    # The guard watches threads by name: a torch that renamed them would
    # leave it watching nothing.
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:"
                            f"{_free_port()}", world_size=1, rank=0)
    try:
        value = torch.ones(3)
        dist.all_reduce(value)
        start = time.monotonic()
        teardown.wait_for_collective_threads()
        assert time.monotonic() - start < 1.0
        workers = teardown.gloo_worker_threads()
        assert len(workers) >= 1
        assert all(state == "S" for state, _ in workers.values())
    finally:
        dist.destroy_process_group()


@linux_only
def test_the_wait_lasts_while_a_worker_thread_wants_the_gil():
    named, release, done = threading.Event(), threading.Event(), []

    def worker():
        # Named as gloo names its workers (PR_SET_NAME), then busy in
        # Python (it needs the GIL) for a while, then idle.
        ctypes.CDLL(None).prctl(15, b"pt_gloo_runloop", 0, 0, 0)
        named.set()
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            sum(range(1000))
        done.append(True)
        release.wait()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        assert named.wait(10)
        assert teardown.gloo_worker_threads()
        teardown.wait_for_collective_threads()
        assert done == [True]
    finally:
        release.set()
        thread.join()


@linux_only
def test_the_wait_is_bounded_while_a_worker_thread_stays_busy():
    named, release = threading.Event(), threading.Event()

    def worker():
        ctypes.CDLL(None).prctl(15, b"pt_gloo_runloop", 0, 0, 0)
        named.set()
        while not release.is_set():  # busy until the test ends
            sum(range(1000))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        assert named.wait(10)
        start = time.monotonic()
        teardown.wait_for_collective_threads(timeout=0.3)
        assert time.monotonic() - start < 2.0
    finally:
        release.set()
        thread.join()


def test_registered_once_however_often_a_script_sets_up(monkeypatch):
    import lamina as keras

    registered = []
    monkeypatch.setattr(teardown, "_installed", [False])
    monkeypatch.setattr(teardown.atexit, "register", registered.append)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:"
                            f"{_free_port()}", world_size=1, rank=0)
    try:
        for _ in range(2):
            keras.distribution.initialize()
            keras.distribution.set_distribution(
                keras.distribution.DataParallel())
    finally:
        keras.distribution.set_distribution(None)
        dist.destroy_process_group()
    assert registered == [teardown.wait_for_collective_threads]


@linux_only
def test_the_wait_returns_at_once_without_gloo_workers(monkeypatch):
    # No process group (or one destroyed and collected): no pause at exit.
    paused = []
    monkeypatch.setattr(teardown.time, "sleep", paused.append)
    monkeypatch.setattr(teardown, "gloo_worker_threads", lambda: {})
    teardown.wait_for_collective_threads()
    assert paused == []


def test_unreadable_thread_records_are_left_out(tmp_path):
    # A sandbox's /proc may lack fields; an exit handler must not raise.
    records = {"1": "Name:\tpt_gloo_runloop\n",  # no State
               "2": "State:\tS (sleeping)\nvoluntary_ctxt_switches:\tmany\n",
               "3": "State:\tS (sleeping)\nvoluntary_ctxt_switches:\t7\n"
                    "nonvoluntary_ctxt_switches:\t2\n",
               "4": "State:\tR (running)\n"}
    for thread, status in records.items():
        folder = tmp_path / thread
        folder.mkdir()
        (folder / "comm").write_text(
            "pt_gloo_runloop\n" if thread != "4" else "python\n")
        (folder / "status").write_text(status)
    (tmp_path / "5").mkdir()  # a thread that ended meanwhile: no files
    assert teardown.gloo_worker_threads(str(tmp_path)) == {"3": ("S", 9)}


@pytest.mark.skipif(not os.environ.get("LAMINA_SLOW_TESTS"),
                    reason="20 torchrun runs; run with LAMINA_SLOW_TESTS=1")
def test_a_collective_just_before_exit_never_aborts(tmp_path, run_torchrun):
    # Without the guard about one run in five aborts ("terminate called
    # without an active exception") on a loaded 2-core machine.
    for _ in range(20):  # each run must end with exit code 0
        ranks = run_torchrun("exit_worker.py", tmp_path)
        assert [rank["rank"] for rank in ranks] == [0, 1]
