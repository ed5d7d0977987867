"""RandAugment on a batch of 64 224x224 RGB images: Lamina (batched on
torch) against Keras 3's torch backend, per call, threads pinned.

Each call picks `num_ops` (2) of the 11 augmentations. Lamina runs only
the picked ones, so its cost depends on the picks (hence the median over
`--repeats` calls); Keras runs all 11 on every pick and keeps the picked
result with `where`. `--breakdown` also times each augmentation alone
(Lamina's layers and Keras's sublayers of the same name).

Run: python bench/bench_rand_augment.py [--batch 64] [--size 224]
     [--repeats 11] [--breakdown]
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

# Keras's attribute names for RandAugment's augmentations, in its order.
AUGMENTATIONS = (
    "random_shear", "random_translation", "random_rotation",
    "random_brightness", "random_color_degeneration", "random_contrast",
    "random_sharpness", "random_posterization", "solarization",
    "auto_contrast", "equalization")


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        return None
    return keras


def breakdown(ours, theirs, tensor, keras_input, repeats):
    """Milliseconds of each augmentation alone, Lamina then Keras."""
    print(f"\nEach augmentation alone (median of {repeats})")
    print(f"  {'augmentation':<26} {'lamina':>10} {'keras':>10}")
    for index, name in enumerate(AUGMENTATIONS):
        layer = ours._augmenters[index]

        def run_ours(layer=layer):
            drawn = layer.get_random_transformation(tensor, training=True)
            return layer.transform_images(tensor, drawn, training=True)

        tasks = {"lamina": run_ours}
        if theirs is not None:
            sublayer = getattr(theirs, name)
            tasks["keras"] = lambda s=sublayer: s(keras_input, training=True)
        medians = interleaved_medians(tasks, repeats=repeats)
        keras_ms = f"{medians['keras'] * 1000:8.1f}ms" if "keras" in \
            medians else "-"
        print(f"  {name:<26} {medians['lamina'] * 1000:8.1f}ms "
              f"{keras_ms:>10}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--breakdown", action="store_true")
    args = parser.parse_args()
    images = np.random.default_rng(0).uniform(
        0, 255, (args.batch, args.size, args.size, 3)).astype("float32")
    tensor = torch.from_numpy(images)
    ours = lamina.layers.RandAugment(seed=0)
    tasks = {"lamina": lambda: ours(tensor, training=True)}
    keras = _keras()
    theirs = keras_input = None
    if keras is not None:
        theirs = keras.layers.RandAugment(seed=0)
        keras_input = keras.ops.convert_to_tensor(images)
        tasks["keras"] = lambda: theirs(keras_input, training=True)
    for task in tasks.values():  # warm-up: first-call costs
        task()
    report(f"RandAugment, {args.batch} images {args.size}x{args.size}, "
           f"one call, median of {args.repeats}",
           interleaved_medians(tasks, repeats=args.repeats),
           baseline="keras" if keras is not None else "lamina")
    if args.breakdown:
        breakdown(ours, theirs, tensor, keras_input,
                  repeats=max(1, args.repeats // 4))


if __name__ == "__main__":
    main()
