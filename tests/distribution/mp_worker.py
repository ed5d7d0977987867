"""Run by `torchrun --nproc_per_node=2` from test_model_parallel.py (and
imported there for the single-process reference): a Dense kernel sharded
by column across 2 ranks through a LayoutMap, trained with `fit`; the
Keras API of the sharded variables and of their optimizer slots;
TensorBoard's histograms of them; every built-in optimizer on a small
sharded model. The script ends as a user's does (no `os._exit`)."""

import copy
import json
import os
import sys
import warnings

import numpy as np
import torch
from torch.distributed.tensor import DTensor

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


def model(custom=False, jit_compile=False):
    keras.backend.clear_session()  # layer names dense, dense_1 again
    keras.utils.set_random_seed(0)
    network = (CustomStep if custom else keras.Sequential)([keras.Input((4,)),
                                keras.layers.Dense(8, activation="tanh"),
                                keras.layers.Dense(2)])
    network.compile(keras.optimizers.Adam(0.05), "mse", metrics=["mae"],
                    jit_compile=jit_compile)
    return network


def full_weights(network):
    """Every weight as a list, gathered from its shards where sharded."""
    return [(w.full_tensor() if hasattr(w, "full_tensor") else w)
            .detach().cpu().numpy().tolist() for w in network.weights]


def train(custom=False, jit_compile=False):
    x, y = data()
    network = model(custom, jit_compile)
    history = network.fit(x, y, batch_size=16, epochs=3, shuffle=False,
                          verbose=0)
    evaluation = network.evaluate(x, y, batch_size=16, verbose=0,
                                  return_dict=True)
    prediction = network.predict(x, batch_size=16, verbose=0)
    optimizer = network.optimizer
    return network, {"history": history.history, "evaluation": evaluation,
                     "prediction": prediction.tolist(),
                     "weights": full_weights(network),
                     # Keras variables, sharded or not: reading gathers.
                     "slots": [v.numpy().tolist() for v in optimizer.variables],
                     "slot_paths": [v.path for v in optimizer.variables]}


def regularized():
    """The sharded kernel with an L2 regularizer (its penalty reads the
    whole value) and a MaxNorm constraint, trained by `fit`."""
    x, y = data()
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    network = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="tanh",
                           kernel_regularizer=keras.regularizers.L2(0.1),
                           kernel_constraint=keras.constraints.MaxNorm(0.5)),
        keras.layers.Dense(2)])
    network.compile(keras.optimizers.SGD(0.1), "mse")
    history = network.fit(x, y, batch_size=16, epochs=2, shuffle=False,
                          verbose=0)
    return {"loss": history.history["loss"],
            "weights": [w.tolist() for w in network.get_weights()]}


def batch_normalized():
    """A model with BatchNormalization (moving statistics: state updated
    as it runs) trained by `fit`: its weights and statistics."""
    x, y = data()
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                                keras.layers.BatchNormalization(),
                                keras.layers.Dense(2)])
    network.compile(keras.optimizers.SGD(0.1), "mse")
    network.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return [w.tolist() for w in network.get_weights()]


def batch_norm_runs(model_parallel):
    """The BatchNormalization model under ModelParallel (the statistics
    stay whole in each process, updated from its share of each batch) and
    under DataParallel, whose steps compute the same."""
    sharded = batch_normalized()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    replicated = batch_normalized()
    keras.distribution.set_distribution(model_parallel)
    return {"model_parallel": sharded, "data_parallel": replicated}


def variable_api(network):
    """The sharded variables answer Keras's variable API with whole values
    (every rank calls the same methods in the same order: reading
    gathers)."""
    x, _ = data()
    kernel = network.layers[0].kernel  # sharded by column (LayoutMap)
    out = {"type": type(kernel).__name__,
           "is_variable": isinstance(kernel, keras.Variable),
           "repr": repr(kernel), "shape": list(kernel.shape),
           "dtype": str(kernel.dtype), "path": kernel.path,
           "name": kernel.name, "numpy": kernel.numpy().tolist(),
           "asarray": np.asarray(kernel).tolist(),
           "value_type": type(kernel.value).__name__,
           "value": kernel.value.detach().tolist()}
    copied = copy.deepcopy(kernel)
    copied.assign_add(1.0)  # a copy of its own
    out["deepcopy"] = [type(copied).__name__, copied.path,
                       (copied.numpy() - kernel.numpy()).tolist()]
    kernel.assign(np.arange(32, dtype="float32").reshape(4, 8) / 10)
    out["local_after_assign"] = kernel.to_local().tolist()
    out["after_assign"] = kernel.numpy().tolist()
    kernel.assign_add(np.ones((4, 8), "float32"))
    kernel.assign_sub(0.5)
    out["after_add_sub"] = kernel.numpy().tolist()
    try:
        kernel.assign(np.zeros((8, 4), "float32"))
        out["shape_error"] = None
    except ValueError as error:
        out["shape_error"] = str(error)
    kernel.trainable = False
    out["frozen"] = [kernel.trainable, kernel.requires_grad]
    kernel.trainable = True
    # `predict` (a forward pass without backward) leaves the layers holding
    # their sharded variables, and the next forward pass uses a value
    # assigned meanwhile.
    network.predict(x, verbose=0)
    head = network.layers[1]  # in the model's own FSDP unit
    out["head_kernel_type"] = type(head.kernel).__name__
    out["head_kernel_is_listed"] = head.kernel is head.weights[0]
    head.kernel.assign(np.full((8, 2), 0.25, "float32"))
    head.bias.assign(np.array([1.0, -1.0], "float32"))
    out["prediction_after_assign"] = network.predict(x, verbose=0).tolist()
    out["weights_after_assign"] = [w.tolist() for w in network.get_weights()]
    return out


def slot_api(network):
    """The optimizer slots of sharded variables are sharded variables too:
    Keras's variable API over their whole value; the update's foreach ops
    work on the local shards, with no collective."""
    optimizer = network.optimizer
    momentum = optimizer.variables[2]  # of the kernel sharded by column
    out = {"types": [type(v).__name__ for v in optimizer.variables],
           "placements": [str(p) for p in momentum.placements],
           "trainable": momentum.trainable, "repr": repr(momentum)}
    momentum.assign(np.arange(32, dtype="float32").reshape(4, 8))
    out["local_after_assign"] = momentum.to_local().tolist()
    out["after_assign"] = momentum.numpy().tolist()
    values = [v.numpy() for v in optimizer.variables]
    values[2] = np.full((4, 8), 0.5, "float32")
    optimizer.set_weights(values)
    out["after_set_weights"] = momentum.numpy().tolist()
    variables = network.trainable_weights
    grads = [torch.zeros_like(v) for v in variables]
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        optimizer.apply(grads, variables)
    out["update_collectives"] = sorted({
        event.name for event in profile.events()
        if "c10d" in event.name or "gloo" in event.name})
    return out


def tensorboard(out_dir):
    """TensorBoard with weight histograms and images: every rank gathers
    the sharded variables, rank 0 alone writes."""
    x, y = data()
    network = model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                    callbacks=[keras.callbacks.TensorBoard(
                        os.path.join(out_dir, "logs"), histogram_freq=1,
                        write_images=True)])
    # Embeddings for the projector: a checkpoint and the matrix as TSV.
    keras.backend.clear_session()  # its Dense is `dense`, as the map says
    keras.utils.set_random_seed(0)
    embedded = keras.Sequential([keras.Input((3,), dtype="int32"),
                                 keras.layers.Embedding(10, 4),
                                 keras.layers.Flatten(),
                                 keras.layers.Dense(2)])
    embedded.compile("sgd", "mse")
    ids = np.random.default_rng(0).integers(0, 10, (16, 3))
    embedded.fit(ids, np.zeros((16, 2), "float32"), batch_size=8, epochs=1,
                 verbose=0, callbacks=[keras.callbacks.TensorBoard(
                     os.path.join(out_dir, "embedding_logs"),
                     embeddings_freq=1, write_graph=False)])
    return {"weights": {w.path: w.numpy().tolist() for w in network.weights},
            "warnings": [str(w.message) for w in caught
                         if "TensorBoard" in str(w.message)],
            "embeddings": embedded.layers[0].embeddings.numpy().tolist()}


# Every built-in optimizer (and the gradient clippings) trains the sharded
# model as one process does: the norms and the row and column statistics
# over a sharded weight are those of the whole weight.
OPTIMIZER_CASES = {
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.9,
                             "nesterov": True}),
    "rmsprop": ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5,
                            "centered": True}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    "adamw": ("AdamW", {"learning_rate": 0.05, "weight_decay": 0.1}),
    "adamax": ("Adamax", {"learning_rate": 0.05}),
    "nadam": ("Nadam", {"learning_rate": 0.05}),
    "adagrad": ("Adagrad", {"learning_rate": 0.1}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "ftrl": ("Ftrl", {"learning_rate": 0.1,
                      "l1_regularization_strength": 0.01,
                      "l2_regularization_strength": 0.01,
                      "l2_shrinkage_regularization_strength": 0.01,
                      "beta": 0.1}),
    "lion": ("Lion", {"learning_rate": 0.01}),
    "lamb": ("Lamb", {"learning_rate": 0.05}),
    "adafactor": ("Adafactor", {"learning_rate": 0.05}),
    "adafactor_fixed_rate": ("Adafactor", {"learning_rate": 0.05,
                                           "relative_step": False,
                                           "clip_threshold": 0.5}),
    "muon": ("Muon", {"learning_rate": 0.05}),
    "schedule_free_adamw": ("ScheduleFreeAdamW", {"learning_rate": 0.05}),
    "clipnorm": ("SGD", {"learning_rate": 0.5, "clipnorm": 0.01}),
    "global_clipnorm": ("SGD", {"learning_rate": 0.5,
                                "global_clipnorm": 0.01}),
    "clipvalue": ("SGD", {"learning_rate": 0.5, "clipvalue": 0.01}),
    "adam_ema": ("Adam", {"learning_rate": 0.05, "use_ema": True,
                          "ema_overwrite_frequency": 2}),
    "adam_accumulated": ("Adam", {"learning_rate": 0.05,
                                  "gradient_accumulation_steps": 2}),
    "loss_scale": ("LossScaleOptimizer", {
        "inner_optimizer": ("Lamb", {"learning_rate": 0.05}),
        "initial_scale": 4.0, "dynamic_growth_steps": 2}),
}


def small_model(optimizer):
    """Dense(6) -> Dense(3) -> Dense(2): under the map of `main`, the first
    kernel is split by column, the others by row (FSDP's default), the
    last one (3, 2) and the bias of 3 unevenly (2 rows and 1)."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    network = keras.Sequential([keras.Input((4,)),
                                keras.layers.Dense(6, activation="tanh"),
                                keras.layers.Dense(3, activation="tanh"),
                                keras.layers.Dense(2)])
    network.compile(optimizer, "mse")
    return network


def make_optimizer(class_name, kwargs):
    """`keras.optimizers.<class_name>(**kwargs)`; a (class name, kwargs)
    value is an optimizer made alike (LossScaleOptimizer's inner one)."""
    kwargs = {key: make_optimizer(*value) if isinstance(value, tuple)
              else value for key, value in kwargs.items()}
    return getattr(keras.optimizers, class_name)(**kwargs)


def optimizer_run(case):
    """The small model trained 3 steps by the optimizer of `case`: its
    whole weights and optimizer variables."""
    keras.backend.clear_session()  # the optimizer's name has no suffix
    optimizer = make_optimizer(*OPTIMIZER_CASES[case])
    x, y = data()
    network = small_model(optimizer)
    network.fit(x[:24], y[:24], batch_size=8, epochs=1, shuffle=False,
                verbose=0)
    return {"weights": full_weights(network),
            "slots": [np.asarray(v.numpy()).tolist()
                      for v in network.optimizer.variables],
            "slot_paths": [v.path for v in network.optimizer.variables],
            "slot_types": [type(v).__name__
                           for v in network.optimizer.variables]}


def optimizer_runs():
    return {case: optimizer_run(case) for case in OPTIMIZER_CASES}


def loss_scale_skip():
    """A LossScaleOptimizer step whose gradient is infinite in one
    element of rank 1's shard alone: every rank skips it (the finiteness
    check covers the whole gradients), so the shards stay in step."""
    network = small_model(keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(0.1)))
    x, y = data()
    network.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)
    weights = network.trainable_weights
    before = [w.numpy() for w in weights]
    rank = int(os.environ.get("RANK", 0))
    grads = []
    for weight in weights:
        local = torch.ones_like(weight.to_local())
        if rank == 1 and weight is network.layers[0].kernel:
            local[0, 0] = float("inf")
        grads.append(DTensor.from_local(local, weight.device_mesh,
                                        weight.placements))
    network.optimizer.apply(grads, weights)
    return {"scale": float(network.optimizer.dynamic_scale),
            "changed": [float(np.abs(w.numpy() - b).max())
                        for w, b in zip(weights, before)]}


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
    results["kernel_is_dtensor"] = isinstance(kernel, DTensor)
    results["kernel_placements"] = [str(p) for p in kernel.placements]
    results["kernel_local_shape"] = list(kernel.to_local().shape)
    results["in_weight_lists"] = any(w is kernel
                                     for w in network.trainable_weights)
    results["variable_api"] = variable_api(network)
    results["slot_api"] = slot_api(network)
    results["custom_step_weights"] = train(custom=True)[1]["weights"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results["jit"] = train(jit_compile=True)[1]
    results["jit_warnings"] = [str(w.message) for w in caught
                               if "jit_compile" in str(w.message)]
    results["tensorboard"] = tensorboard(out_dir)
    results["regularized"] = regularized()
    results["batch_norm"] = batch_norm_runs(distribution.distribution())
    results["optimizers"] = optimizer_runs()
    results["loss_scale_skip"] = loss_scale_skip()
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
    # So is a layout for state a layer updates as it runs.
    state_map = distribution.LayoutMap(mesh)
    state_map["moving_mean"] = ("model",)
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=state_map))
    try:
        batch_normalized()
        results["state_error"] = None
    except ValueError as error:
        results["state_error"] = str(error)
    results["pid"] = os.getpid()  # event files are named after it
    rank = int(os.environ["RANK"])
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
