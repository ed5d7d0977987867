"""Keras 3 on JAX, timed in its own process for the bench tables.

`measure(["mlp", "dense"])` runs this file as a subprocess with
`KERAS_BACKEND=jax` on the bench's one core (`common.BENCH_CORE`: XLA's
Eigen pool off and `OMP_NUM_THREADS=1` still leave it more than one busy
thread), and returns, per task, the first epoch (XLA
compiling included) and the median of later epochs (steady state). The
data is the same as the other benches' (same generators and seeds).

Run alone: python bench/keras_jax.py mlp dense   (prints JSON)
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

REPEATS = 5
# The parent's clock (see `common.CLOCK`): this process's CPU time by default.
_clock = time.perf_counter if os.environ.get("BENCH_CLOCK") == "wall" \
    else time.process_time


def mlp_data(n=12000, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))


def small_data():
    return (np.random.default_rng(1).random((3200, 64), dtype=np.float32),
            np.random.default_rng(2).integers(0, 10, 3200))


def measure(tasks, repeats=REPEATS, timeout=1800):
    """{task: {"first": s, "median": s}} from a Keras-on-JAX process, or
    None when Keras on JAX cannot run here (the reason is printed). Tasks:
    mlp, mlp_dropout, mlp_bf16 (one epoch of 12k rows, batch 128), dense,
    dense_spe32 (100 steps of batch 32), predict (10 x 100 batches),
    mlp_predict (the MLP predicting the 12k rows, batch 1024)."""
    import common  # (not in the child: it would import torch there)

    env = dict(os.environ, KERAS_BACKEND="jax", BENCH_CLOCK=common.CLOCK, OMP_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false "
                         "intra_op_parallelism_threads=1",
               JAX_PLATFORMS="cpu")
    command = [sys.executable, os.path.abspath(__file__),
               f"--repeats={repeats}", *tasks]
    core = common.BENCH_CORE
    result = subprocess.run(command, env=env, capture_output=True,
                            text=True, timeout=timeout,
                            preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    if result.returncode != 0:
        print("Keras on JAX could not be measured:",
              result.stderr.strip().splitlines()[-1:])
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def _models(keras):
    def mlp(dropout=False, policy=None):
        keras.mixed_precision.set_global_policy(policy or "float32")
        layers = [keras.Input((784,)),
                  keras.layers.Dense(512, activation="relu")]
        layers += [keras.layers.Dropout(0.2)] if dropout else []
        layers += [keras.layers.Dense(512, activation="relu")]
        layers += [keras.layers.Dropout(0.2)] if dropout else []
        layers += [keras.layers.Dense(10),
                   keras.layers.Activation("softmax", dtype="float32")]
        model = keras.Sequential(layers)
        keras.mixed_precision.set_global_policy("float32")
        model.compile(keras.optimizers.RMSprop(),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def dense(steps_per_execution=1):
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
            from_logits=True), steps_per_execution=steps_per_execution)
        return model

    x, y = mlp_data()
    sx, sy = small_data()

    def fitting(make, x, y, batch_size):
        def build():
            model = make()
            return lambda: model.fit(x, y, batch_size=batch_size, epochs=1,
                                     verbose=0)
        return build

    def predicting():
        model = dense()
        px = x[:3200, :64]
        return lambda: [model.predict(px, batch_size=32, verbose=0)
                        for _ in range(10)]

    # name -> a function building the model and returning one timed run
    return {
        "mlp": fitting(mlp, x, y, 128),
        "mlp_dropout": fitting(lambda: mlp(dropout=True), x, y, 128),
        "mlp_bf16": fitting(lambda: mlp(policy="mixed_bfloat16"), x, y, 128),
        "dense": fitting(dense, sx, sy, 32),
        "dense_spe32": fitting(lambda: dense(32), sx, sy, 32),
        "predict": predicting,
        "mlp_predict": lambda: (lambda model: lambda: model.predict(
            x, batch_size=1024, verbose=0))(mlp()),
    }


def _main(argv):
    import keras

    repeats = REPEATS
    tasks = []
    for arg in argv:
        if arg.startswith("--repeats="):
            repeats = int(arg.split("=")[1])
        else:
            tasks.append(arg)
    builders = _models(keras)
    results = {}
    runs = {}
    for name in tasks:
        run = builders[name]()
        start = time.perf_counter()
        run()
        results[name] = {"first": time.perf_counter() - start}
        runs[name] = run
    times = {name: [] for name in tasks}
    for _ in range(repeats):  # interleaved, as in common.interleaved_medians
        for name in tasks:
            start = _clock()
            runs[name]()
            times[name].append(_clock() - start)
    for name in tasks:
        results[name]["median"] = statistics.median(times[name])
    print(json.dumps(results))


if __name__ == "__main__":
    _main(sys.argv[1:])
