"""Leaving a script that ran in a process group without an abort.

torch's gloo backend runs each collective in a worker thread of its own
(named `pt_gloo_runloop`). The worker lets go of a finished collective's
tensors a moment after the waiting Python code has moved on, and letting
go of a tensor made in Python takes the GIL. Where the interpreter has
already begun finalizing, Python (3.11 to 3.13) ends a thread that asks
for the GIL on the spot; inside that C++ destructor the thread's end
aborts the process ("terminate called without an active exception",
SIGABRT) once the script's work is done. A collective just before the end
of a script (the last save, the last reduction of metrics) meets it about
one run in five on a loaded machine, with plain torch too:

    dist.init_process_group("gloo")   # under torchrun, 2 processes
    dist.all_reduce(torch.ones(4))    # then the script ends

`install()` registers (once) an exit handler that, before finalization,
waits with the GIL released until those worker threads are idle.
"""

import atexit
import os
import time

_WORKER_NAME = "pt_gloo_runloop"
_TASKS = "/proc/self/task"
_installed = [False]


def install():
    """Registers `wait_for_collective_threads` to run at exit (once)."""
    if not _installed[0]:
        _installed[0] = True
        atexit.register(wait_for_collective_threads)


def wait_for_collective_threads(pause=0.005, timeout=5.0):
    """Returns once no gloo worker thread of this process has work left.

    Between two looks at the threads the GIL is free (`time.sleep`), so a
    worker waiting for it gets it and runs. The workers are idle when,
    across such a pause, none of them ran (their context switch counts are
    unchanged) and every one is asleep: a worker waiting for the GIL would
    have taken it during the pause. It returns at once where there is no
    gloo worker (no process group, or its group was destroyed and
    collected), and after `timeout` seconds at most. Without /proc (not
    Linux) there is nothing to watch, and one pause is all this does.

    The workers are looked for, not the process group: one that
    `destroy_process_group` left while a `DeviceMesh` still refers to it
    keeps its workers until the interpreter collects it.
    """
    deadline = time.monotonic() + timeout
    previous = gloo_worker_threads()
    if not previous:
        if not os.path.isdir(_TASKS):
            time.sleep(pause)
        return
    while time.monotonic() < deadline:
        time.sleep(pause)
        current = gloo_worker_threads()
        if not current:
            return
        if current == previous and all(state == "S"
                                       for state, _ in current.values()):
            return
        previous = current


def gloo_worker_threads(tasks=_TASKS):
    """{thread id: (scheduler state, context switches)} of this process's
    gloo worker threads, read from /proc ({} where there is none). A
    thread whose record cannot be read or parsed (it ended meanwhile, or
    a sandbox's /proc lacks the fields) is left out: an exit handler must
    not raise."""
    try:
        threads = os.listdir(tasks)
    except OSError:
        return {}
    workers = {}
    for thread in threads:
        folder = os.path.join(tasks, thread)
        try:
            with open(os.path.join(folder, "comm")) as f:
                if f.read().strip() != _WORKER_NAME:
                    continue
            with open(os.path.join(folder, "status")) as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            switches = sum(int(fields.get(key, "0")) for key in (
                "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
            workers[thread] = (fields["State"].split()[0], switches)
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return workers
