"""Run by `torchrun --nproc_per_node=2` from test_model_parallel_saving.py:
a model whose Dense kernel is sharded by column (ModelParallel) is saved
by ModelCheckpoint, `save` and `save_weights` (every process calls them;
rank 0 alone writes), then loaded back into sharded and fresh models."""

import contextlib
import io
import json
import warnings
import os
import sys

import numpy as np
import torch

import lamina as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mp_worker  # noqa: E402  (the model, data and sharding of the MP test)


def full(weights):
    return [np.asarray(w).tolist() for w in weights]


def run(out_dir):
    """The user's script, the same in one process and under torchrun."""
    x, y = mp_worker.data()
    network = mp_worker.model()
    checkpoints = [
        keras.callbacks.ModelCheckpoint(
            os.path.join(out_dir, "epoch{epoch}.weights.h5"),
            save_weights_only=True, verbose=1),
        keras.callbacks.ModelCheckpoint(os.path.join(out_dir, "best.keras"),
                                        monitor="loss", save_best_only=True)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        network.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                    callbacks=checkpoints)
    kernel = network.layers[0].kernel
    results = {"sharded": type(kernel).__name__ == "ShardedVariable",
               "printed": printed.getvalue(),
               "weights": full(network.get_weights())}
    network.save(os.path.join(out_dir, "model.keras"))
    network.save_weights(os.path.join(out_dir, "model.weights.h5"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy format's warning
        network.save(os.path.join(out_dir, "model.h5"))
    results["prediction"] = network.predict(x, verbose=0).tolist()

    # Loading into the sharded, trained model re-shards the file's values.
    network.load_weights(os.path.join(out_dir, "epoch1.weights.h5"))
    results["kernel_after_load"] = type(network.layers[0].kernel).__name__
    results["loaded_epoch1"] = full(network.get_weights())
    network.load_weights(os.path.join(out_dir, "model.weights.h5"))
    results["reloaded"] = full(network.get_weights())
    # ... and it trains on from there.
    network.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    results["trained_on"] = full(network.get_weights())
    # set_weights (EarlyStopping's restore) after a forward without
    # backward, which leaves FSDP's root unit gathered.
    network.predict(x, verbose=0)
    network.set_weights([np.asarray(w) for w in results["loaded_epoch1"]])
    results["set_weights_prediction"] = network.predict(x, verbose=0).tolist()
    results["set_weights"] = full(network.get_weights())

    # A fresh model loads the whole file, then `fit` shards it.
    loaded = keras.saving.load_model(os.path.join(out_dir, "model.keras"))
    results["loaded_model"] = full(loaded.get_weights())
    results["loaded_model_prediction"] = loaded.predict(x, verbose=0).tolist()
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    results["loaded_model_trained_on"] = full(loaded.get_weights())
    results["loaded_model_sharded"] = \
        type(loaded.layers[0].kernel).__name__ == "ShardedVariable"
    results["resume"] = resume(os.path.join(out_dir, "backup"))
    results["built_optimizer_error"] = built_optimizer_error()
    return results


class Interrupt(keras.callbacks.Callback):
    """Stops `fit` in the middle of its second epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 1 and batch == 0:
            raise RuntimeError("interrupted")


def resume(backup_dir):
    """BackupAndRestore every batch, interrupted mid-epoch, then resumed by
    a new model's `fit`: the weights of an uninterrupted run."""
    x, y = mp_worker.data()
    try:
        mp_worker.model().fit(
            x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir,
                                                        save_freq=1),
                       Interrupt()])
    except RuntimeError:
        pass
    network = mp_worker.model()
    history = network.fit(x, y, batch_size=16, epochs=2, shuffle=False,
                          verbose=0, callbacks=[
                              keras.callbacks.BackupAndRestore(
                                  backup_dir, save_freq=1)])
    return {"epochs": history.epoch, "weights": full(network.get_weights())}


def built_optimizer_error():
    """A model whose optimizer was built outside the distribution."""
    x, y = mp_worker.data()
    network = mp_worker.model()
    network.optimizer.build(network.trainable_weights)
    try:
        network.fit(x, y, batch_size=16, epochs=1, verbose=0)
    except ValueError as error:
        return str(error)
    return None


def unwritable_errors(out_dir):
    """`save`/`save_weights`/ModelCheckpoint to a path rank 0 cannot write
    (its folder is a file): every process gets the error instead of waiting for rank 0
    in the gathering, and saving works again afterwards."""
    network = mp_worker.model()
    x, y = mp_worker.data()
    network.fit(x, y, batch_size=16, epochs=1, verbose=0)
    errors = []
    for name in ("m.keras", "m.weights.h5"):
        path = os.path.join(os.path.abspath(__file__), name)
        try:
            if name.endswith(".weights.h5"):
                network.save_weights(path)
            else:
                network.save(path)
            errors.append(None)
        except OSError as error:
            errors.append(str(error))
    try:
        network.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[
            keras.callbacks.ModelCheckpoint(os.path.join(
                os.path.abspath(__file__), "ck.weights.h5"),
                save_weights_only=True)])
        errors.append(None)
    except OSError as error:
        errors.append(str(error))
    network.save_weights(os.path.join(out_dir, "after_error.weights.h5"))
    return errors


def declined_overwrite(out_dir):
    """`save_weights(overwrite=False)` onto an existing file: rank 0 alone
    asks (here it declines; rank 1 would accept), and every process
    follows its answer instead of parting ways mid-save."""
    from lamina.saving import saving_api

    rank = int(os.environ.get("RANK", 0))
    asked = []

    def ask(path):
        asked.append(path)
        return rank != 0

    path = os.path.join(out_dir, "model.weights.h5")  # written by `run`
    before = os.path.getmtime(path)
    original = saving_api.ask_to_proceed_with_overwrite
    saving_api.ask_to_proceed_with_overwrite = ask
    network = mp_worker.model()
    x, y = mp_worker.data()
    network.fit(x, y, batch_size=16, epochs=1, verbose=0)  # sharded
    try:
        network.save_weights(path, overwrite=False)
    finally:
        saving_api.ask_to_proceed_with_overwrite = original
    return {"asked": len(asked), "unchanged": os.path.getmtime(path) == before}


def main(out_dir):
    torch.set_num_threads(1)
    distribution = keras.distribution
    distribution.initialize()
    mesh = distribution.DeviceMesh((2,), ["model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["dense/kernel"] = (None, "model")
    distribution.set_distribution(distribution.ModelParallel(
        layout_map=layout_map))
    results = run(out_dir)
    results["unwritable_errors"] = unwritable_errors(out_dir)
    results["declined_overwrite"] = declined_overwrite(out_dir)
    rank = int(os.environ["RANK"])
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1])
