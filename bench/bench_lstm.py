"""One LSTM training step in Lamina against a hand-written torch loop.

Model: Input(100, 32) -> LSTM(128) -> Dense(1), MSE, Adam, batch 64. Lamina
runs `model.train_on_batch` (and `fit` over 8 batches); torch runs
`torch.nn.LSTM` + `torch.nn.Linear` with the same optimizer. Both are timed
in the same process, interleaved, threads pinned; medians are printed with
the ratio (target: Lamina <= 1.2x torch).

Run: python bench/bench_lstm.py [--repeats N] [--keras]
"""

import argparse

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from common import interleaved_medians
from common import report

import lamina  # noqa: E402
from lamina.layers.rnn import LSTM  # noqa: E402

BATCH, STEPS, FEATURES, UNITS = 64, 100, 32, 128


def data(batches=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batches * BATCH, STEPS, FEATURES),
                            dtype=np.float32)
    y = rng.standard_normal((batches * BATCH, 1), dtype=np.float32)
    return x, y


def lamina_model():
    model = lamina.Sequential([
        lamina.Input((STEPS, FEATURES)),
        LSTM(UNITS),
        lamina.layers.Dense(1),
    ])
    model.compile(lamina.optimizers.Adam(), "mse")
    return model


class TorchModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
        self.dense = torch.nn.Linear(UNITS, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.dense(h[0])


def torch_training():
    """A hand-written training step, and an epoch of such steps."""
    model = TorchModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def step(xb, yb):
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def epoch(x, y):
        total = torch.zeros(())
        for start in range(0, len(x), BATCH):
            total += step(x[start:start + BATCH], y[start:start + BATCH])
        return float(total)

    return step, epoch


def keras_step_fn(x, y):
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    import keras

    model = keras.Sequential([keras.Input((STEPS, FEATURES)),
                              keras.layers.LSTM(UNITS),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    return lambda: model.train_on_batch(x, y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--keras", action="store_true")
    args = parser.parse_args()

    x, y = data()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = lamina_model()
    torch_step, torch_epoch = torch_training()
    tasks = {
        "torch": lambda: float(torch_step(xt, yt)),
        "lamina": lambda: model.train_on_batch(x, y),
    }
    if args.keras:
        tasks["keras"] = keras_step_fn(x, y)
    for fn in tasks.values():  # warm up allocators and lazy imports
        fn()
    report(f"LSTM({UNITS}), batch {BATCH} x {STEPS} steps x {FEATURES} "
           "features: one train_on_batch step",
           interleaved_medians(tasks, repeats=args.repeats))

    fit_x, fit_y = data(8)
    fit_xt, fit_yt = torch.from_numpy(fit_x), torch.from_numpy(fit_y)
    tasks = {
        "torch": lambda: torch_epoch(fit_xt, fit_yt),
        "lamina": lambda: model.fit(fit_x, fit_y, batch_size=BATCH,
                                    shuffle=False, verbose=0),
    }
    report("the same, fit over 8 batches (one epoch)",
           interleaved_medians(tasks, repeats=max(3, args.repeats // 3)))


if __name__ == "__main__":
    main()
