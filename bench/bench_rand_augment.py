"""RandAugment on a batch of 64 224x224 RGB images: Lamina (batched on
torch) against Keras 3's torch backend, per call.

Run: python bench/bench_rand_augment.py [--batch 64] [--size 224]
     (Keras 3 is a test dependency; without it only Lamina is timed)
"""

import argparse
import os

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    images = np.random.default_rng(0).uniform(
        0, 255, (args.batch, args.size, args.size, 3)).astype("float32")
    tensor = torch.from_numpy(images)
    ours = lamina.layers.RandAugment(seed=0)
    tasks = {"lamina": lambda: ours(tensor, training=True)}
    try:
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras
    except ImportError:
        keras = None
    if keras is not None:
        theirs = keras.layers.RandAugment(seed=0)
        keras_input = keras.ops.convert_to_tensor(images)
        tasks["keras"] = lambda: theirs(keras_input, training=True)
    report(f"RandAugment, {args.batch} images {args.size}x{args.size}, "
           "one call", interleaved_medians(tasks, repeats=args.repeats),
           baseline="keras" if keras is not None else "lamina")


if __name__ == "__main__":
    main()
