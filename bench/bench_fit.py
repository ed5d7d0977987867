"""fit / predict cost against a hand-written torch loop on the same model.

Run: python bench/bench_fit.py [--keras] [--jax]   (prints medians, ratios)

--keras adds Keras 3 on its torch backend (same process, interleaved);
--jax adds Keras 3 on JAX, timed in its own one-thread process
(`keras_jax.py`, steady state after XLA compiling) against this process's
torch loop.
"""

import sys

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


def mlp_data(n=60000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return x, y


def lamina_mlp():
    model = lamina.Sequential([
        lamina.Input((784,)),
        lamina.layers.Dense(512, activation="relu"),
        lamina.layers.Dense(512, activation="relu"),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile(lamina.optimizers.RMSprop(),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def torch_dense_epoch(x, y, torch_dense=None):
    """One epoch of a hand-written SGD loop over `torch_dense` (a fresh
    Linear(64, 10) by default), batch 32, shuffled."""
    torch_dense = torch_dense or torch.nn.Linear(64, 10)
    sgd = torch.optim.SGD(torch_dense.parameters(), lr=0.01)
    sx, sy = torch.from_numpy(x), torch.from_numpy(y)

    def run():
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

    return run


def torch_mlp_epoch(x, y, batch_size, dropout=0.0):
    """One epoch of the MLP as a hand-written torch loop (with
    `torch.nn.Dropout(dropout)` after each hidden layer when set)."""
    hidden = [torch.nn.Dropout(dropout)] if dropout else []
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), *hidden,
        torch.nn.Linear(512, 512), torch.nn.ReLU(), *hidden,
        torch.nn.Linear(512, 10),
    )
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9,
                                    eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        order = torch.randperm(len(xt))
        correct = torch.zeros(())
        total_loss = torch.zeros(())
        for start in range(0, len(xt), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(idx)
            correct += (logits.argmax(-1) == yb).sum()
        return float(total_loss), float(correct)

    return run


def main():
    jax = None
    if "--jax" in sys.argv:
        import keras_jax

        jax = keras_jax.measure(["mlp", "dense", "predict"], repeats=7)
    x, y = mlp_data(12000)
    model = lamina_mlp()
    tasks = {
        "torch": torch_mlp_epoch(x, y, 128),
        "lamina": lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0),
    }
    if "--keras" in sys.argv:
        tasks["keras"] = keras_mlp_epoch(x, y)
    report("MLP 784-512-512-10, RMSprop, batch 128, 12k rows, one epoch",
           _with_jax(interleaved_medians(tasks), jax, "mlp"))

    small_x = np.random.default_rng(1).random((3200, 64), dtype=np.float32)
    small_y = np.random.default_rng(2).integers(0, 10, 3200)
    dense = lamina.Sequential([lamina.Input((64,)), lamina.layers.Dense(10)])
    dense.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    torch_dense = torch.nn.Linear(64, 10)
    tasks = {"torch": torch_dense_epoch(small_x, small_y, torch_dense),
             "lamina": lambda: dense.fit(small_x, small_y, batch_size=32,
                                         verbose=0)}
    keras_dense = keras_small_model() if "--keras" in sys.argv else None
    if keras_dense is not None:
        tasks["keras"] = lambda: keras_dense.fit(small_x, small_y,
                                                 batch_size=32, verbose=0)
    report("Dense(10) on 64 features, batch 32, 100 steps (per-step "
           "overhead)", _with_jax(interleaved_medians(tasks, repeats=7), jax,
                                 "dense"))

    predict_x = x[:3200]

    def torch_predict():
        with torch.no_grad():
            batches = torch.from_numpy(predict_x[:, :64])
            outs = [torch_dense(batches[i:i + 32])
                    for i in range(0, len(predict_x), 32)]
        return torch.cat(outs).numpy()

    def repeated(fn, times=10):
        return lambda: [fn() for _ in range(times)]

    tasks = {"torch": repeated(torch_predict),
             "lamina": repeated(lambda: dense.predict(
                 predict_x[:, :64], batch_size=32, verbose=0))}
    if keras_dense is not None:
        tasks["keras"] = repeated(lambda: keras_dense.predict(
            predict_x[:, :64], batch_size=32, verbose=0))
    report("predict, batch 32, 10 x 100 batches",
           _with_jax(interleaved_medians(tasks, 7), jax, "predict"))


def _with_jax(medians, jax, task):
    """`medians` plus Keras-on-JAX's steady-state time for `task`."""
    if jax is None:
        return medians
    return {**medians, "keras-jax": jax[task]["median"]}


def _keras():
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    import keras

    return keras


def keras_small_model():
    keras = _keras()
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    return model


def keras_mlp_epoch(x, y):
    keras = _keras()

    model = keras.Sequential([
        keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("rmsprop", "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0)


if __name__ == "__main__":
    main()
