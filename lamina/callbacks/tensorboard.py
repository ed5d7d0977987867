"""TensorBoard: writes training logs for TensorBoard, without TensorFlow."""

import os
import time

import numpy as np

from lamina import config
from lamina.callbacks import tensorboard_writing as writing
from lamina.callbacks.callback import Callback
from lamina.distribution.devices import is_rank_zero
from lamina.layers import Embedding
from lamina.layers.variable import to_numpy
from lamina.models import Functional
from lamina.models import Sequential
from lamina.optimizers import Optimizer
from lamina.saving import distributed
from lamina.trainers import distribution_hook


class TensorBoard(Callback):
    """Logs metrics, weights and the model graph for TensorBoard.

    Event files are written by `torch.utils.tensorboard` (install the extra:
    `pip install lamina[tensorboard]`), in Keras's layout: `log_dir/train`
    holds `epoch_<name>` scalars (the loss, each metric, `learning_rate`),
    `batch_<name>` scalars when `update_freq` asks for them, weight
    histograms and images named `<weight path>/histogram` and
    `<weight path>/image`, and the model; `log_dir/validation` holds the
    validation values as `epoch_<name>` and
    `evaluation_<name>_vs_iterations` (step: optimizer iterations). View
    them with `tensorboard --logdir=log_dir`.

    Epoch scalars are stepped by epoch index (so `initial_epoch` carries
    on); batch scalars by the number of training batches seen by this
    callback, which carries on over several `fit` calls (Keras restarts it
    at each `fit`).

    Args:
        log_dir: Folder of the log files.
        histogram_freq: Every how many epochs to write weight histograms (0:
            never).
        write_graph: Whether to write the model: its Keras graph (the JSON
            config) and the torch op graph traced once on the first batch.
        write_images: Whether to write weights as images (with histograms).
        write_steps_per_second: Whether to write training steps per second
            (per epoch, and per batch when batch scalars are written).
        update_freq: `"epoch"`, `"batch"` or an integer N: batch scalars are
            written every N training batches; `"epoch"` writes none.
        profile_batch: Training batch (1-based, counted from this callback's
            start) or `(start, stop)` range to profile with
            `torch.profiler`; 0 turns profiling off.
        embeddings_freq: Every how many epochs to save the Embedding layers'
            weights for the projector (0: never).
        embeddings_metadata: A metadata file for every Embedding layer, or a
            dict from layer name to metadata file.

    Example:

    >>> tensorboard = TensorBoard(log_dir="./logs", histogram_freq=1)
    >>> # model.fit(x, y, epochs=5, callbacks=[tensorboard])
    """

    @property
    def rank_zero_only(self):
        """Skipped on other ranks (CallbackList), except where variables
        are sharded (ModelParallel) and histograms or embeddings read
        them: every rank then takes part in gathering them, and rank 0
        alone writes (the other ranks' writers discard)."""
        edges = distribution_hook.active()
        return not (getattr(edges, "gathers_to_save", False) and (
            self.histogram_freq or self.embeddings_freq))

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True,
                 write_images=False, write_steps_per_second=False,
                 update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        writing.summary_writer_class()  # Fails now if the extra is missing.
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _frequency("histogram_freq", histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = _update_freq(update_freq)
        self.embeddings_freq = _frequency("embeddings_freq", embeddings_freq)
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = writing.parse_profile_batch(
            profile_batch)
        self._should_trace = not (self._start_batch == 0
                                  and self._stop_batch == 0)
        self._global_train_batch = 0
        self._writers = {}
        self._graph_inputs = None
        self._graph_hook = None
        self._graph_written = False
        self._profiler = None
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._embedding_files = {}
        if self.update_freq != "epoch" or self._should_trace:
            # Batch hooks only when needed: a callback overriding them makes
            # `fit` read the batch logs (a device sync) at every step.
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    # ------------------------------------------------------------------
    # Writers
    def set_model(self, model):
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._close_writers()
        if self.write_graph and isinstance(self.model,
                                           (Functional, Sequential)):
            # Keras writes the config of graph models only.
            writing.write_keras_model(self._writer("train"), self.model)
        if self.embeddings_freq:
            self._configure_embeddings()

    def _writer(self, kind):
        if not is_rank_zero():
            return writing.DiscardingWriter()
        if kind not in self._writers:
            path = self._train_dir if kind == "train" else self._val_dir
            self._writers[kind] = writing.open_writer(path, self.log_dir)
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ------------------------------------------------------------------
    # Training
    def on_train_begin(self, logs=None):
        self._global_train_batch = max(self._global_train_batch,
                                       self._iterations())
        if self.write_graph and not self._graph_written:
            self._graph_hook = self.model.register_forward_pre_hook(
                self._capture_graph_inputs, with_kwargs=True)

    def on_train_end(self, logs=None):
        self._remove_graph_hook()
        self._maybe_write_graph()
        if self._profiler is not None and self._profiler.running:
            self._profiler.stop()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._maybe_write_graph()
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in (logs or {}).items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations",
                              _scalar(value), step)
        writer.flush()

    def _on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if not self._should_trace or not is_rank_zero():
            return
        if self._global_train_batch == self._start_batch:
            self._profiler = writing.BatchProfiler(self._train_dir)
            self._profiler.start()
        if self._profiler is not None and self._profiler.running:
            self._profiler.begin_step(batch)

    def _on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            writer = self._writer("train")
            if self.write_steps_per_second:
                elapsed = time.time() - self._batch_start_time
                writer.add_scalar("batch_steps_per_second",
                                  1.0 / max(elapsed, 1e-12), step)
            if isinstance(logs, dict) or hasattr(logs, "items"):
                for name, value in logs.items():
                    writer.add_scalar(f"batch_{name}", _scalar(value), step)
        if self._profiler is not None and self._profiler.running:
            self._profiler.end_step()
            if step >= self._stop_batch:
                self._profiler.stop()

    # ------------------------------------------------------------------
    # What is written
    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train_logs.update(self._learning_rates())
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / max(elapsed, 1e-12)
        for kind, values in (("train", train_logs), ("validation", val_logs)):
            if values:
                writer = self._writer(kind)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", _scalar(value), epoch)

    def _learning_rates(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{o.name}": _scalar(o.learning_rate)
                    for o in optimizer.optimizers}
        if isinstance(optimizer, Optimizer):
            return {"learning_rate": _scalar(optimizer.learning_rate)}
        return {}

    def _log_weights(self, epoch):
        writer = self._writer("train")
        data_format = config.image_data_format()
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                # Sharded (ModelParallel): gathered from every rank.
                values = to_numpy(weight) if hasattr(
                    weight, "detach") else np.asarray(weight)
                writer.add_histogram(f"{name}/histogram", values, epoch,
                                     bins=30)
                if self.write_images:
                    image = writing.weight_image(values, data_format)
                    if image is not None:
                        writer.add_images(f"{name}/image", image, epoch,
                                          dataformats="NHWC")

    def _configure_embeddings(self):
        text, self._embedding_files = writing.projector_config(
            self.model, self.embeddings_metadata, Embedding)
        if not is_rank_zero():
            return
        os.makedirs(self.log_dir, exist_ok=True)
        path = os.path.join(self.log_dir, "projector_config.pbtxt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def _log_embeddings(self, epoch):
        # Keras's checkpoint of the weights, and each embedding matrix as
        # the TSV the projector config points at.
        # Under ModelParallel every rank gathers; rank 0 alone writes.
        if is_rank_zero():
            os.makedirs(self._train_dir, exist_ok=True)
        self.model.save_weights(os.path.join(
            self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5"))
        for layer in self.model.layers:
            if layer.name in self._embedding_files:
                matrix = to_numpy(layer.embeddings)
                if not is_rank_zero():
                    continue
                path = os.path.join(self.log_dir,
                                    self._embedding_files[layer.name])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                np.savetxt(path, matrix, delimiter="\t", fmt="%.8g")

    # ------------------------------------------------------------------
    # The traced graph
    def _capture_graph_inputs(self, module, args, kwargs):
        self._graph_inputs = tuple(_detached(a) for a in args)
        self._remove_graph_hook()

    def _remove_graph_hook(self):
        if self._graph_hook is not None:
            self._graph_hook.remove()
            self._graph_hook = None

    def _maybe_write_graph(self):
        if self._graph_inputs is None or self._graph_written:
            return
        self._graph_written = True
        inputs, self._graph_inputs = self._graph_inputs, None
        if distributed.is_sharded(self.model):
            # A traced forward pass would gather the shards in one process.
            if is_rank_zero():
                writing.warn_untraced(self.model, "its variables are sharded "
                                      "across processes (ModelParallel)")
            return
        writing.trace_model_graph(self._writer("train"), self.model,
                                  inputs if len(inputs) > 1 else inputs[0])

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return 0 if iterations is None else int(_scalar(iterations))


def _scalar(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy"):
        value = value.numpy()
    return float(np.asarray(value))


def _detached(value):
    if hasattr(value, "detach"):
        return value.detach()
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_detached(v) for v in value)
    return value


def _update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if isinstance(update_freq, (int, np.integer)) and not isinstance(
        update_freq, bool
    ) and update_freq > 0:
        return int(update_freq)
    raise ValueError(
        "Invalid value for argument `update_freq`. Expected \"epoch\", "
        "\"batch\" or a positive integer (write every N batches). "
        f"Received: update_freq={update_freq!r}"
    )


def _frequency(name, value):
    if isinstance(value, (int, np.integer)) and not isinstance(
        value, bool
    ) and value >= 0:
        return int(value)
    raise ValueError(
        f"Invalid value for argument `{name}`. Expected a non-negative "
        f"integer (every N epochs; 0: never). Received: {name}={value!r}"
    )
