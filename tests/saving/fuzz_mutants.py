"""Seeded mutants of the fixture files, and the pool of loader processes
that tries each one with a timeout (used by test_fuzz.py)."""

import io
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


# -- Mutations -------------------------------------------------------------

def flip_bytes(data, rng):
    """1 to 8 bytes XOR-ed with random non-zero values."""
    data = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        data[int(rng.integers(len(data)))] ^= int(rng.integers(1, 256))
    return bytes(data)


def truncate(data, rng):
    return data[:int(rng.integers(len(data)))]


# Integers stay small: a config asking for a 10**9-unit layer would make
# any loader (Keras's too) allocate what the machine has.
_REPLACEMENTS = ["", "x", "Dense", "os.system", -1, 0, 4096, 1.5, None,
                 True, [], [1, "a"], {}, {"class_name": "Dense"},
                 {"class_name": "builtins.eval", "config": {}}]


def mutate_json_value(config, rng):
    """Replaces one random node of a JSON tree (or drops a dict key)."""
    nodes = []

    def walk(node):
        if isinstance(node, dict):
            for key in node:
                nodes.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for index in range(len(node)):
                nodes.append((node, index))
                walk(node[index])

    walk(config)
    if not nodes:
        return config
    parent, key = nodes[int(rng.integers(len(nodes)))]
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = _REPLACEMENTS[int(rng.integers(len(_REPLACEMENTS)))]
    return config


def rezip(data, member, edit):
    """The `.keras` zip with `member` replaced by `edit(member bytes)`, and
    valid CRCs: the damage reaches the parser, not the zip layer."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, content in members:
            if info.filename == member:
                content = edit(content)
            archive.writestr(info, content)
    return out.getvalue()


def edit_h5_attribute(data, attribute, edit):
    """The HDF5 file with the JSON root attribute `attribute` edited."""
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as file:
        if attribute not in file.attrs:
            return None
        value = file.attrs[attribute]
        text = value.decode() if isinstance(value, bytes) else str(value)
        edited = edit(text.encode()).decode("utf-8", errors="replace")
        file.attrs[attribute] = edited.replace("\0", " ")
    return buffer.getvalue()


def mutants(files, count, seed):
    """`count` (label, kind, folder, name, suffix, bytes) mutants of
    `files` [(kind, folder, name, suffix, path)], seeded."""
    rng = np.random.default_rng(seed)
    originals = [(entry, open(entry[4], "rb").read()) for entry in files]
    made = 0
    while made < count:
        (kind, folder, name, suffix, _), data = originals[
            int(rng.integers(len(originals)))]
        choice = rng.random()
        label = None

        def json_edit(content):
            if rng.random() < 0.5:
                return flip_bytes(content, rng)
            tree = json.loads(content)
            return json.dumps(mutate_json_value(tree, rng)).encode()

        if choice < 0.4:
            mutant, label = flip_bytes(data, rng), "flip"
        elif choice < 0.6:
            mutant, label = truncate(data, rng), "truncate"
        elif suffix == ".keras" and rng.random() < 0.7:
            mutant, label = rezip(data, "config.json", json_edit), "config"
        elif suffix == ".keras":
            # Damage inside the weights member, past the zip's CRC check.
            mutant = rezip(data, "model.weights.h5",
                           lambda content: flip_bytes(content, rng))
            label = "weights member"
        elif suffix == ".json":
            mutant, label = json_edit(data), "config"
        elif kind == "model":
            attribute = "model_config" if rng.random() < 0.7 else \
                "training_config"
            mutant = edit_h5_attribute(data, attribute, json_edit)
            label = attribute
            if mutant is None:
                continue
        else:
            mutant, label = flip_bytes(data, rng), "flip"
        made += 1
        yield label, kind, folder, name, suffix, mutant


# -- Loader processes --------------------------------------------------------

class Worker:
    def __init__(self):
        env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS="1")
        # Where the worker's faulthandler writes its stack when asked.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fuzz_worker.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, env=env, text=True, bufsize=1)
        self.request = None
        self.started = None
        self.ready = False

    def stack_of_hang(self):
        """The innermost frame of where the worker is stuck."""
        self.process.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        return self.stack_of_crash()

    def stack_of_crash(self):
        """The innermost frame faulthandler printed (a fatal signal)."""
        self.stderr.seek(0)
        text = self.stderr.read().decode("utf-8", errors="replace")
        frames = [line.strip() for line in text.splitlines()
                  if line.strip().startswith("File ")]
        return frames[0] if frames else ""

    def send(self, request):
        self.request, self.started = request, time.monotonic()
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.stderr.close()


def run(jobs, workers=2, timeout=10.0, deadline=None):
    """Loads each job's file in a pool of child processes. Yields
    (job, reply) where a reply is the worker's answer, or
    {"outcome": "timeout"} / {"outcome": "crashed"}."""
    pool = [Worker() for _ in range(workers)]
    jobs = iter(jobs)
    pending = True
    try:
        while True:
            busy = [w for w in pool if w.request is not None or not w.ready]
            if not pending and not busy:
                return
            if deadline is not None and time.monotonic() > deadline:
                pending = False
            for worker in pool:
                if worker.ready and worker.request is None and pending:
                    job = next(jobs, None)
                    if job is None:
                        pending = False
                    else:
                        worker.send(job)
            streams = {w.process.stdout: w for w in pool
                       if w.request is not None or not w.ready}
            if not streams:
                continue
            readable, _, _ = select.select(list(streams), [], [], 0.2)
            for stream in readable:
                worker = streams[stream]
                line = stream.readline()
                if not worker.ready:
                    worker.ready = bool(line)
                    if not line:
                        raise RuntimeError("a fuzz worker failed to start")
                    continue
                job, worker.request = worker.request, None
                if not line:
                    worker.process.wait()
                    where = worker.stack_of_crash()
                    worker.kill()
                    pool[pool.index(worker)] = Worker()
                    yield job, {"outcome": "crashed", "where": where}
                else:
                    yield job, json.loads(line)
            now = time.monotonic()
            for index, worker in enumerate(pool):
                if worker.request is not None and \
                        now - worker.started > timeout:
                    job = worker.request
                    where = worker.stack_of_hang()
                    worker.kill()
                    pool[index] = Worker()
                    yield job, {"outcome": "timeout", "where": where}
    finally:
        for worker in pool:
            worker.kill()
