"""Dropout keep masks for a 128x512 batch: Lamina's hashed mask against
torch's `bernoulli_` and `torch.rand(...) < p`, and a whole Dropout
forward and backward against `torch.nn.functional.dropout`.

Run: python bench/bench_dropout_mask.py   (prints µs per call, medians)
"""

import statistics
import time

import torch

import common  # noqa: F401  (pins threads first)

import lamina  # noqa: E402
from lamina import random_masks  # noqa: E402

SHAPE = (128, 512)
RATE = 0.2


def per_call_us(fn, calls=200, repeats=7):
    for _ in range(20):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times) * 1e6


def main():
    generator = torch.Generator().manual_seed(0)
    seed = lamina.random.SeedGenerator(0)
    x = torch.randn(SHAPE)
    grad = torch.ones(SHAPE)
    layer = lamina.layers.Dropout(RATE, seed=1)
    x_grad = x.clone().requires_grad_(True)

    def layer_step():
        layer(x_grad, training=True).backward(grad)

    def torch_step():
        torch.nn.functional.dropout(x_grad, RATE, training=True).backward(
            grad)

    rows = {
        "ReLU on the same tensor (reference)": lambda: torch.relu(x),
        "bernoulli_": lambda: torch.empty(SHAPE).bernoulli_(
            1 - RATE, generator=generator),
        "torch.rand(...) < p": lambda: torch.rand(
            SHAPE, generator=generator) < 1 - RATE,
        "Lamina keep_mask (seeded)": lambda: random_masks.keep_mask(
            SHAPE, RATE, seed),
        "Lamina keep_mask (global RNG)": lambda: random_masks.keep_mask(
            SHAPE, RATE, None),
        "F.dropout forward+backward": torch_step,
        "Lamina Dropout forward+backward": layer_step,
    }
    print(f"Mask for {SHAPE[0]}x{SHAPE[1]}, rate {RATE}, one thread "
          "(median µs per call):")
    for name, fn in rows.items():
        print(f"  {name:<34} {per_call_us(fn):8.1f} µs")


if __name__ == "__main__":
    main()
