"""Run by `torchrun --nproc_per_node=2` from test_model_parallel.py (and
imported there for the single-process reference): a Dense kernel sharded
by column across 2 ranks through a LayoutMap, trained with `fit`."""

import json
import os
import sys

import numpy as np
import torch

import lamina as keras


def data():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    return x, y


class CustomStep(keras.Sequential):
    """A train_step written as the Keras torch guides do."""

    def train_step(self, data):
        x, y = data
        weights = self.trainable_weights
        for weight in weights:
            weight.grad = None
        loss = self.compute_loss(x, y, self(x, training=True))
        loss.backward()
        self.optimizer.apply([w.grad for w in weights], weights)
        return {"loss": loss}


def model(custom=False):
    keras.backend.clear_session()  # layer names dense, dense_1 again
    keras.utils.set_random_seed(0)
    network = (CustomStep if custom else keras.Sequential)([keras.Input((4,)),
                                keras.layers.Dense(8, activation="tanh"),
                                keras.layers.Dense(2)])
    network.compile(keras.optimizers.Adam(0.05), "mse", metrics=["mae"])
    return network


def full_weights(network):
    """Every weight as a list, gathered from its shards where sharded."""
    return [(w.full_tensor() if hasattr(w, "full_tensor") else w)
            .detach().cpu().numpy().tolist() for w in network.weights]


def train(custom=False):
    x, y = data()
    network = model(custom)
    history = network.fit(x, y, batch_size=16, epochs=3, shuffle=False,
                          verbose=0)
    evaluation = network.evaluate(x, y, batch_size=16, verbose=0,
                                  return_dict=True)
    prediction = network.predict(x, batch_size=16, verbose=0)
    return network, {"history": history.history, "evaluation": evaluation,
                     "prediction": prediction.tolist(),
                     "weights": full_weights(network)}


def main(out_dir):
    torch.set_num_threads(1)
    keras.config.disable_traceback_filtering()
    distribution = keras.distribution
    distribution.initialize()
    mesh = distribution.DeviceMesh((2,), ["model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["dense/kernel"] = (None, "model")
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=layout_map))
    network, results = train()
    kernel = network.layers[0].kernel
    results["kernel_type"] = type(kernel).__name__
    results["kernel_placements"] = [str(p) for p in kernel.placements]
    results["kernel_local_shape"] = list(kernel.to_local().shape)
    results["in_weight_lists"] = any(w is kernel
                                     for w in network.trainable_weights)
    results["custom_step_weights"] = train(custom=True)[1]["weights"]
    # A key that names no variable is refused before any sharding.
    bad_map = distribution.LayoutMap(mesh)
    bad_map["no_such_layer/kernel"] = (None, "model")
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=bad_map))
    x, y = data()
    try:
        model().fit(x, y, batch_size=16, epochs=1, verbose=0)
        results["unmatched_error"] = None
    except ValueError as error:
        results["unmatched_error"] = str(error)
    rank = int(os.environ["RANK"])
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
    # With FSDP2 in the process, torch's C++ teardown at interpreter exit
    # sometimes aborts ("terminate called without an active exception",
    # about one run in three here, with or without destroying the process
    # group) after the work and its files are done: leave without it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
