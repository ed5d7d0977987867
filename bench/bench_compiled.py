"""jit_compile=True and mixed_bfloat16 against the hand-written torch loop.

Run: python bench/bench_compiled.py   (prints compile times, medians, ratios)

Steady state: every Lamina model is fitted once before timing, so the
compiled step is traced and cached (its compile time is printed apart);
then one epoch per task, interleaved, medians of the repeats.
"""

import time

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from bench_fit import mlp_data
from bench_fit import torch_mlp_epoch
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


def lamina_mlp(jit_compile, policy=None):
    lamina.mixed_precision.set_global_policy(policy)
    try:
        model = lamina.Sequential([
            lamina.Input((784,)),
            lamina.layers.Dense(512, activation="relu"),
            lamina.layers.Dense(512, activation="relu"),
            lamina.layers.Dense(10),
            lamina.layers.Activation("softmax", dtype="float32"),
        ])
    finally:
        lamina.mixed_precision.set_global_policy(None)
    model.compile(lamina.optimizers.RMSprop(),
                  "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


def lamina_dense(jit_compile):
    model = lamina.Sequential([lamina.Input((64,)), lamina.layers.Dense(10)])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=True), jit_compile=jit_compile)
    return model


def warmed(model, x, y, batch_size, label):
    """Fits one epoch untimed (tracing the compiled step) and reports how
    long that first epoch took against a second one."""
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    second = time.perf_counter() - start
    print(f"  {label:<28} first epoch {first:6.2f} s, then {second:6.2f} s"
          f" (compile ~{max(first - second, 0):.1f} s)")
    return lambda: model.fit(x, y, batch_size=batch_size, epochs=1,
                             verbose=0)


def main():
    print("First epochs (tracing and compiling included):")
    x, y = mlp_data(12000)
    tasks = {
        "torch": torch_mlp_epoch(x, y, 128),
        "eager": warmed(lamina_mlp(False), x, y, 128, "MLP eager"),
        "jit": warmed(lamina_mlp(True), x, y, 128, "MLP jit_compile"),
        "bf16": warmed(lamina_mlp(False, "mixed_bfloat16"), x, y, 128,
                       "MLP mixed_bfloat16"),
        "bf16+jit": warmed(lamina_mlp(True, "mixed_bfloat16"), x, y, 128,
                           "MLP mixed_bfloat16 + jit"),
    }
    mlp = interleaved_medians(tasks)

    small_x = np.random.default_rng(1).random((3200, 64), dtype=np.float32)
    small_y = np.random.default_rng(2).integers(0, 10, 3200)
    torch_dense = torch.nn.Linear(64, 10)
    sgd = torch.optim.SGD(torch_dense.parameters(), lr=0.01)
    sx, sy = torch.from_numpy(small_x), torch.from_numpy(small_y)

    def torch_small():
        order = torch.randperm(len(sx))
        total = torch.zeros(())
        for start in range(0, len(sx), 32):
            idx = order[start:start + 32]
            loss = torch.nn.functional.cross_entropy(torch_dense(sx[idx]),
                                                     sy[idx])
            sgd.zero_grad(set_to_none=True)
            loss.backward()
            sgd.step()
            total += loss.detach() * len(idx)
        return float(total)

    tasks = {
        "torch": torch_small,
        "eager": warmed(lamina_dense(False), small_x, small_y, 32,
                        "Dense(10) eager"),
        "jit": warmed(lamina_dense(True), small_x, small_y, 32,
                      "Dense(10) jit_compile"),
    }
    dense = interleaved_medians(tasks, repeats=7)
    report("MLP 784-512-512-10, RMSprop, batch 128, 12k rows, one epoch",
           mlp)
    report("Dense(10) on 64 features, batch 32, 100 steps", dense)


if __name__ == "__main__":
    main()
