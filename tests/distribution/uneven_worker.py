"""Run by `torchrun --nproc_per_node=2` from test_uneven_batches.py (and
imported there for the single-process reference): 33 rows, which no global
batch here divides, so every epoch ends on a short batch; at batch size 16
the last batch has one row and one process an empty shard."""

import json
import os
import sys

import numpy as np
import torch

import lamina as keras

ROWS = 33


def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(ROWS, 5)).astype("float32")
    y = rng.normal(size=(ROWS, 2)).astype("float32")
    weights = rng.uniform(0.5, 1.5, size=(ROWS,)).astype("float32")
    return x, y, weights


def mlp():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(8, activation="relu",
                           kernel_regularizer=keras.regularizers.L2(0.01)),
        keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    return model


class Batches(keras.utils.PyDataset):
    """Global batches of 10 rows, the last of 3."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return -(-len(self.x) // 10)

    def __getitem__(self, index):
        rows = slice(index * 10, (index + 1) * 10)
        return self.x[rows], self.y[rows]


def run(source, batch_size):
    """The user's script, the same in one process and under torchrun."""
    x, y, weights = data()
    model = mlp()
    if source == "arrays":
        history = model.fit(x, y, sample_weight=weights,
                            batch_size=batch_size, epochs=2, shuffle=True,
                            verbose=0)
    else:
        history = model.fit(Batches(x, y), epochs=2, shuffle=True, verbose=0)
    evaluation = model.evaluate(x, y, batch_size=batch_size, verbose=0,
                                return_dict=True)
    prediction = model.predict(x, batch_size=batch_size, verbose=0)
    return {"weights": [w.tolist() for w in model.get_weights()],
            "history": history.history, "evaluation": evaluation,
            "prediction": prediction.tolist()}


def loader():
    """A DataLoader of 33 rows, 8 per process: torch's DistributedSampler
    pads the data to 34 rows (repeating row 0) so that both processes
    take as many steps."""
    x, y, _ = data()
    model = mlp()
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x),
                                             torch.from_numpy(y))
    history = model.fit(torch.utils.data.DataLoader(dataset, batch_size=8),
                        epochs=1, verbose=0)
    return {"weights": [w.tolist() for w in model.get_weights()],
            "history": history.history}


def logged(out_dir):
    """A `fit` with CSVLogger and TensorBoard, which rank 0 alone runs."""
    x, y, _ = data()
    history = mlp().fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[
        keras.callbacks.CSVLogger(os.path.join(out_dir, "log.csv")),
        keras.callbacks.TensorBoard(os.path.join(out_dir, "tensorboard"))])
    return history.history


def summed_loss_error():
    """A loss summed over the batch, which averaged gradients would
    shrink, is refused."""
    x, y, _ = data()
    model = mlp()
    model.compile("sgd", keras.losses.MeanSquaredError(reduction="sum"))
    try:
        model.fit(x, y, batch_size=16, verbose=0)
    except ValueError as error:
        return str(error)
    return None


CASES = {"arrays_16": ("arrays", 16), "arrays_10": ("arrays", 10),
         "pydataset": ("pydataset", None)}


def main(out_dir):
    torch.set_num_threads(1)
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    results = {name: run(*case) for name, case in CASES.items()}
    results["loader"] = loader()
    results["logged"] = logged(out_dir)
    results["summed_loss_error"] = summed_loss_error()
    rank = int(os.environ["RANK"])
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
