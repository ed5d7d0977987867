"""Run by `torchrun --nproc_per_node=2` from test_data_parallel.py (and
imported there for the single-process reference): trains one MLP on arrays,
a generator and a DataLoader, writing each rank's results to OUT_DIR."""

import contextlib
import io
import json
import os
import sys

import numpy as np
import torch

import lamina as keras

GLOBAL_BATCH = 16


def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.normal(size=(64, 3)).astype("float32")
    return x, y


def mlp(dropout=False, noise=False, steps_per_execution=1,
        jit_compile=False):
    keras.utils.set_random_seed(0)
    middle = [keras.layers.Dropout(0.5, seed=3)] if dropout else []
    if noise:  # noise drawn eagerly from a torch generator, per row
        middle += [keras.layers.GaussianNoise(0.5, seed=4),
                   keras.layers.GaussianDropout(0.3, seed=5)]
    model = keras.Sequential([keras.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              *middle,
                              keras.layers.Dense(3)])
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"],
                  steps_per_execution=steps_per_execution,
                  jit_compile=jit_compile)
    return model


def batches(x, y):
    """A generator of the global batches, in order (every rank yields the
    same ones)."""
    for start in range(0, len(x), GLOBAL_BATCH):
        yield x[start:start + GLOBAL_BATCH], y[start:start + GLOBAL_BATCH]


class Batches(keras.utils.PyDataset):
    """The global batches by index; `fit(shuffle=True)` shuffles them."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // GLOBAL_BATCH

    def __getitem__(self, index):
        rows = slice(index * GLOBAL_BATCH, (index + 1) * GLOBAL_BATCH)
        return self.x[rows], self.y[rows]


# Arrays with random layers: (rows, global batch size, steps_per_execution).
# 62 rows by 24: a last batch of 14 (7 rows a process, unlike the full
# batches' 12); 63 by 16: a last batch of 15, where one process has 8 rows
# as in the full batches, so its slice size does not tell the global size;
# 64 by 24 in one group of 3 steps: the full batches' steps run after the
# last (16 rows) was read; 63 by 16 in groups of 2: the last group holds a
# 16-row and a 15-row batch, 8 rows from either on one process.
NOISY = {"arrays_noise": (64, GLOBAL_BATCH, 1),
         "arrays_noise_uneven": (62, 24, 1),
         "arrays_noise_ambiguous": (63, GLOBAL_BATCH, 1),
         "arrays_noise_grouped": (64, 24, 3),
         "arrays_noise_grouped_ambiguous": (63, GLOBAL_BATCH, 2)}


class CountedAllReduces:
    """Counts `torch.distributed.all_reduce` calls made by
    `TrainerEdges.weigh_loss`."""

    def __enter__(self):
        self.count = 0
        self.original = torch.distributed.all_reduce

        def all_reduce(*args, **kwargs):
            if sys._getframe(1).f_code.co_name == "weigh_loss":
                self.count += 1
            return self.original(*args, **kwargs)

        torch.distributed.all_reduce = all_reduce
        return self

    def __exit__(self, *exc):
        torch.distributed.all_reduce = self.original


def train(source, callbacks=(), verbose=0):
    """The user's script: the same in one process and under torchrun.
    `source`: "arrays" (shuffled), "pydataset" (shuffled), "generator" or
    "loader", "arrays_dropout" (shuffled arrays, a seeded Dropout),
    "arrays_jit" (the same with `jit_compile=True`), or one
    of `NOISY` (shuffled arrays, seeded GaussianNoise and
    GaussianDropout). The result counts weigh_loss's all-reduces."""
    with CountedAllReduces() as counted:
        result = _train(source, callbacks, verbose)
    result["weigh_all_reduces"] = counted.count
    return result


def _train(source, callbacks, verbose):
    x, y = data()
    rows, batch_size, steps = NOISY.get(source, (None, None, 1))
    model = mlp(dropout=source in ("arrays_dropout", "arrays_jit"),
                noise=source in NOISY, steps_per_execution=steps,
                jit_compile=source == "arrays_jit")
    if source in NOISY:
        history = model.fit(x[:rows], y[:rows], batch_size=batch_size,
                            epochs=2, shuffle=True, verbose=0)
    elif source in ("arrays", "arrays_dropout", "arrays_jit"):
        history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2,
                            shuffle=True, callbacks=list(callbacks),
                            verbose=verbose)
    elif source == "pydataset":
        history = model.fit(Batches(x, y), epochs=2, shuffle=True,
                            verbose=0)
    elif source == "generator":
        history = model.fit(batches(x, y), steps_per_epoch=4, epochs=1,
                            verbose=0)
    else:
        per_process = GLOBAL_BATCH // keras.distribution.get_device_count()
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x),
                                           torch.from_numpy(y)),
            batch_size=per_process)
        history = model.fit(loader, epochs=2, verbose=0)
    evaluation = model.evaluate(x, y, batch_size=GLOBAL_BATCH, verbose=0,
                                return_dict=True)
    prediction = model.predict(x, batch_size=GLOBAL_BATCH, verbose=0)
    return {"weights": [w.tolist() for w in model.get_weights()],
            "history": history.history, "evaluation": evaluation,
            "prediction_shape": list(prediction.shape)}


def resume(backup_dir):
    """Two epochs backed up, then a new `fit` of three resuming there."""
    x, y = data()
    mlp().fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False,
              verbose=0, callbacks=[keras.callbacks.BackupAndRestore(
                  backup_dir, delete_checkpoint=False)])
    model = mlp()
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=3,
                        shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(
                            backup_dir)])
    return {"epochs": history.epoch, "loss": history.history["loss"],
            "weights": [w.tolist() for w in model.get_weights()],
            "backup_left": os.path.exists(backup_dir)}


def custom_step_error():
    """A custom train_step cannot have its gradients averaged by DDP."""
    class Custom(keras.Sequential):
        def train_step(self, data):
            return super().train_step(data)

    x, y = data()
    model = Custom([keras.Input((8,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse")
    try:
        model.fit(x, y, batch_size=GLOBAL_BATCH, verbose=0)
    except ValueError as error:
        return str(error)
    return None


class Interrupt(keras.callbacks.Callback):
    """Stops `fit` in the middle of its second epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 1 and batch == 1:
            raise RuntimeError("interrupted")


def resume_mid_epoch(backup_dir):
    """A shuffled `fit` backed up every batch, interrupted mid-epoch, then
    resumed by a new `fit`: the weights of an uninterrupted run."""
    x, y = data()
    try:
        mlp().fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(
                      backup_dir, save_freq=1), Interrupt()])
    except RuntimeError:
        pass
    model = mlp()
    model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(
                  backup_dir, save_freq=1)])
    return [w.tolist() for w in model.get_weights()]


class CountingCheckpoint(keras.callbacks.ModelCheckpoint):
    saves = 0

    def on_epoch_end(self, epoch, logs=None):
        CountingCheckpoint.saves += 1
        super().on_epoch_end(epoch, logs)


def main(out_dir):
    torch.set_num_threads(1)
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    rank = int(os.environ["RANK"])
    printed = io.StringIO()
    checkpoint = CountingCheckpoint(
        os.path.join(out_dir, "model.weights.h5"), save_weights_only=True)
    with contextlib.redirect_stdout(printed):
        results = {"arrays": train("arrays", [checkpoint], verbose=2)}
    for source in ("pydataset", "generator", "loader", "arrays_dropout",
                   "arrays_jit", *NOISY):
        results[source] = train(source)
    results["resume"] = resume(os.path.join(out_dir, "backup"))
    results["custom_step_error"] = custom_step_error()
    results["resume_mid_epoch"] = resume_mid_epoch(
        os.path.join(out_dir, "backup_mid_epoch"))
    results["printed"] = printed.getvalue()
    results["checkpoint_saves"] = CountingCheckpoint.saves
    results["devices"] = keras.distribution.list_devices()
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
