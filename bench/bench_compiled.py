"""jit_compile=True, mixed_bfloat16 and Dropout against the hand-written
torch loop, with Keras 3 on JAX beside them.

Run: python bench/bench_compiled.py [--no-jax]
     (prints compile times, medians and ratios)

Steady state: every Lamina model is fitted twice before timing (the first
epoch traces and compiles the step, and its excess over the second is
printed as the compile time); then one epoch per task, interleaved,
medians of the repeats. Keras on JAX runs in its own process with one
thread (`keras_jax.py`); its first epoch (XLA compiling) is printed apart
and its steady-state median is given against this process's torch loop.
"""

import sys
import time

import numpy as np

import common  # noqa: F401  (pins threads first)
import keras_jax
import torch
from bench_fit import mlp_data
from bench_fit import torch_dense_epoch
from bench_fit import torch_mlp_epoch
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


def lamina_mlp(jit_compile, policy=None, dropout=0.0):
    lamina.mixed_precision.set_global_policy(policy)
    try:
        def hidden():
            return [lamina.layers.Dropout(dropout)] if dropout else []

        model = lamina.Sequential([
            lamina.Input((784,)),
            lamina.layers.Dense(512, activation="relu"), *hidden(),
            lamina.layers.Dense(512, activation="relu"), *hidden(),
            lamina.layers.Dense(10),
            lamina.layers.Activation("softmax", dtype="float32"),
        ])
    finally:
        lamina.mixed_precision.set_global_policy(None)
    model.compile(lamina.optimizers.RMSprop(),
                  "sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


def lamina_dense(jit_compile, steps_per_execution=1):
    model = lamina.Sequential([lamina.Input((64,)), lamina.layers.Dense(10)])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=True), jit_compile=jit_compile,
        steps_per_execution=steps_per_execution)
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
    print(f"  {label:<32} first epoch {first:6.2f} s, then {second:6.2f} s"
          f" (compile ~{max(first - second, 0):.1f} s)")
    return lambda: model.fit(x, y, batch_size=batch_size, epochs=1,
                             verbose=0)


def warmed_predict(model, x, label):
    """As `warmed`, for `predict` at batch 1024."""
    start = time.perf_counter()
    model.predict(x, batch_size=1024, verbose=0)
    print(f"  {label:<32} first call {time.perf_counter() - start:6.2f} s")
    return lambda: model.predict(x, batch_size=1024, verbose=0)


def torch_mlp_predict(model, x):
    """The hand-written loop predicting `x` at batch 1024 with a torch
    Sequential holding `model`'s weights."""
    kernels = model.get_weights()
    layers = []
    for kernel, bias in zip(kernels[0::2], kernels[1::2]):
        linear = torch.nn.Linear(*kernel.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1], torch.nn.Softmax(-1))
    xt = torch.from_numpy(x)

    def run():
        with torch.no_grad():
            return torch.cat([net(xt[i:i + 1024])
                              for i in range(0, len(xt), 1024)]).numpy()

    return run


def with_jax(medians, jax_results, columns):
    """`medians` plus the Keras-on-JAX steady-state times (`columns`:
    our column name -> keras_jax task name)."""
    if jax_results is None:
        return medians
    medians = dict(medians)
    for column, task in columns.items():
        medians[column] = jax_results[task]["median"]
    return medians


def main():
    jax_results = None
    if "--no-jax" not in sys.argv:
        print("Keras 3 on JAX (own process, one thread)...")
        jax_results = keras_jax.measure(
            ["mlp", "mlp_dropout", "mlp_bf16", "dense", "dense_spe32",
             "mlp_predict"])
        if jax_results is not None:
            for task, times in jax_results.items():
                print(f"  jax {task:<28} first epoch {times['first']:6.2f} s"
                      f", then {times['median']:6.2f} s")

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
    mlp = with_jax(interleaved_medians(tasks), jax_results,
                   {"jax": "mlp", "jax bf16": "mlp_bf16"})

    tasks = {
        "torch": torch_mlp_epoch(x, y, 128, dropout=0.2),
        "eager": warmed(lamina_mlp(False, dropout=0.2), x, y, 128,
                        "MLP + Dropout eager"),
        "jit": warmed(lamina_mlp(True, dropout=0.2), x, y, 128,
                      "MLP + Dropout jit_compile"),
    }
    mlp_dropout = with_jax(interleaved_medians(tasks), jax_results,
                           {"jax": "mlp_dropout"})

    trained = lamina_mlp(False)
    compiled = lamina_mlp(True)
    compiled.set_weights(trained.get_weights())
    tasks = {
        "torch": torch_mlp_predict(trained, x),
        "eager": warmed_predict(trained, x, "MLP predict eager"),
        "jit": warmed_predict(compiled, x, "MLP predict jit_compile"),
    }
    predict = with_jax(interleaved_medians(tasks), jax_results,
                       {"jax": "mlp_predict"})

    small_x = np.random.default_rng(1).random((3200, 64), dtype=np.float32)
    small_y = np.random.default_rng(2).integers(0, 10, 3200)
    tasks = {
        "torch": torch_dense_epoch(small_x, small_y),
        "eager": warmed(lamina_dense(False), small_x, small_y, 32,
                        "Dense(10) eager"),
        "jit": warmed(lamina_dense(True), small_x, small_y, 32,
                      "Dense(10) jit_compile"),
        "jit spe32": warmed(lamina_dense(True, 32), small_x, small_y, 32,
                            "Dense(10) jit, steps_per_exec 32"),
    }
    dense = with_jax(interleaved_medians(tasks, repeats=7), jax_results,
                     {"jax": "dense", "jax spe32": "dense_spe32"})
    report("MLP 784-512-512-10, RMSprop, batch 128, 12k rows, one epoch",
           mlp)
    report("MLP with Dropout(0.2) after each hidden layer, same data",
           mlp_dropout)
    report("MLP predict, batch 1024, the 12k rows", predict)
    report("Dense(10) on 64 features, batch 32, 100 steps", dense)


if __name__ == "__main__":
    main()
