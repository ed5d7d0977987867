"""Shared timing helpers: pinned threads, interleaved repeats, medians."""

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(1)


def interleaved_medians(tasks, repeats=5):
    """Runs each callable in `tasks` (name -> fn) `repeats` times, round
    robin, and returns name -> median seconds."""
    times = {name: [] for name in tasks}
    for _ in range(repeats):
        for name, fn in tasks.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title, medians, baseline="torch"):
    print(f"\n{title}")
    base = medians[baseline]
    for name, seconds in medians.items():
        print(f"  {name:<10} {seconds * 1000:9.2f} ms   {seconds / base:5.2f}x")
