"""Shared timing helpers: one pinned core, interleaved repeats, medians.

Importing this pins the process to one CPU core (`BENCH_CORE`, by default
the last core this process may use) as well as to one torch thread. A
thread count alone does not make a one-core comparison: XLA, for one,
keeps helper threads busy beside its one compute thread (Keras on JAX with
one intra-op thread used ~1.75 cores' time per MLP epoch here), so every
process a bench compares runs on `BENCH_CORE` (`keras_jax.measure` pins
its child there too).
"""

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
BENCH_CORE = int(os.environ.get("BENCH_CORE",
                                max(os.sched_getaffinity(0))))
os.sched_setaffinity(0, {BENCH_CORE})

import torch  # noqa: E402

torch.set_num_threads(1)


# What the medians measure: "cpu" (the default), this process's CPU time,
# which on its one pinned core is the work done whatever else the shared
# machine runs; "wall" for wall-clock time (`BENCH_CLOCK=wall`), which other
# load inflates.
CLOCK = os.environ.get("BENCH_CLOCK", "cpu")
clock = time.process_time if CLOCK == "cpu" else time.perf_counter


def interleaved_medians(tasks, repeats=5):
    """Runs each callable in `tasks` (name -> fn) `repeats` times, round
    robin, and returns name -> median seconds of `clock`."""
    times = {name: [] for name in tasks}
    for _ in range(repeats):
        for name, fn in tasks.items():
            start = clock()
            fn()
            times[name].append(clock() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title, medians, baseline="torch"):
    print(f"\n{title} ({CLOCK} time)")
    base = medians[baseline]
    for name, seconds in medians.items():
        print(f"  {name:<10} {seconds * 1000:9.2f} ms   {seconds / base:5.2f}x")
