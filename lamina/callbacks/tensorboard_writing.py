"""What the TensorBoard callback writes, one helper per kind of record.

Event files come from `torch.utils.tensorboard` (the optional `tensorboard`
package; TensorFlow is never needed). The helpers here hold the parts that
are not plain `SummaryWriter` calls: Keras's model summary record, weights
turned into images, the embedding projector's config, and the profiler run
behind `profile_batch`.
"""

import json
import os
import socket
import time
import warnings

import numpy as np
import torch

INSTALL_HINT = "pip install lamina[tensorboard]"


def summary_writer_class():
    """`torch.utils.tensorboard.SummaryWriter`, or an ImportError naming the
    extra to install when the `tensorboard` package is missing."""
    try:
        import tensorboard  # noqa: F401  (torch's writer needs it)
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise ImportError(
            "The TensorBoard callback writes event files through "
            "`torch.utils.tensorboard`, which needs the `tensorboard` "
            f"package. Install it with `{INSTALL_HINT}`. ({error})"
        ) from error
    return SummaryWriter


def open_writer(path, log_dir):
    """A `SummaryWriter` on `path`; an unwritable `log_dir` is named in the
    error."""
    writer_class = summary_writer_class()
    try:
        return writer_class(log_dir=path)
    except OSError as error:
        raise OSError(
            "TensorBoard cannot write its event files: argument `log_dir` "
            "must name a folder that can be created and written. Received: "
            f"log_dir={log_dir!r} ({error})"
        ) from error


def write_keras_model(writer, model, step=0):
    """The model's JSON under the tag `keras`, with the `graph_keras_model`
    plugin data TensorBoard's graph dashboard reads (Keras's record).
    Returns False (with a warning) when the model has no JSON config."""
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.compat.proto.summary_pb2 import SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto

    try:
        json_string = model.to_json()
    except Exception as error:  # A model without a config still trains.
        warnings.warn(
            f"TensorBoard: model '{model.name}' could not be serialized to "
            f"JSON, so its Keras graph is not written. ({error})"
        )
        return False
    metadata = SummaryMetadata()
    metadata.plugin_data.plugin_name = "graph_keras_model"
    metadata.plugin_data.content = b"1"
    tensor = TensorProto(dtype="DT_STRING",
                         string_val=[json_string.encode("utf-8")])
    summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata,
                                           tensor=tensor)])
    writer.file_writer.add_summary(summary, step)
    return True


class DiscardingWriter:
    """Stands in for a `SummaryWriter` in the processes other than rank 0
    that run the callback (to take part in gathering sharded variables):
    every record is dropped."""

    @property
    def file_writer(self):
        return self

    def _discard(self, *args, **kwargs):
        return None

    add_summary = add_scalar = add_histogram = add_images = _discard
    add_graph = flush = close = _discard


def warn_untraced(model, reason):
    warnings.warn(
        f"TensorBoard: the graph of model '{model.name}' is not traced with "
        f"torch.jit.trace, so it is not written: {reason}.")


def trace_model_graph(writer, model, example_inputs):
    """Traces `model` once on `example_inputs` with `torch.jit.trace` and
    writes the op graph; a model that cannot be traced gets a warning."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            with torch.no_grad():
                writer.add_graph(model, example_inputs,
                                 use_strict_trace=False)
    except Exception as error:  # Tracing limits must not stop training.
        warnings.warn(
            f"TensorBoard: the graph of model '{model.name}' could not be "
            f"traced with torch.jit.trace, so it is not written. ({error})"
        )


def weight_image(weight, data_format):
    """A weight as a batch of NHWC images, following Keras's rules (bias: one
    column; dense kernel: the wider side across; 3-D kernels: one image per
    channel); None when it has no image form. At most 3 images are kept,
    as `tf.summary.image` does by default."""
    image = np.squeeze(weight)
    shape = image.shape
    if len(shape) == 1:
        image = image.reshape(1, shape[0], 1, 1)
    elif len(shape) == 2:
        if shape[0] > shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif len(shape) == 3:
        if data_format == "channels_last":
            image = np.transpose(image, (2, 0, 1))
        image = image.reshape(*image.shape, 1)
    if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
        return image[:3]
    return None


def projector_config(model, metadata, embedding_class):
    """(text of projector_config.pbtxt, {layer name: tensor file}) for the
    model's top-level Embedding layers, as Keras writes it (tensor name of
    the first weights-holding layer, metadata by layer name), plus a
    `tensor_path` so the projector reads the values without TensorFlow."""
    pending = dict(metadata) if isinstance(metadata, dict) else metadata
    entries, tensor_files = [], {}
    for layer in model.layers:
        if not isinstance(layer, embedding_class):
            continue
        tensor_file = os.path.join("embeddings", f"{layer.name}.tsv")
        tensor_files[layer.name] = tensor_file
        fields = [("tensor_name", "layer_with_weights-0/embeddings/"
                   ".ATTRIBUTES/VARIABLE_VALUE")]
        if isinstance(pending, str):
            fields.append(("metadata_path", pending))
        elif pending and layer.name in pending:
            fields.append(("metadata_path", pending.pop(layer.name)))
        fields.append(("tensor_path", tensor_file))
        entries.append("embeddings {\n" + "".join(
            f"  {key}: {json.dumps(str(value))}\n" for key, value in fields
        ) + "}\n")
    if pending and not isinstance(pending, str):
        raise ValueError(
            "Unrecognized `Embedding` layer names passed to "
            "`TensorBoard`'s `embeddings_metadata` argument. Expected names "
            "of the model's Embedding layers "
            f"{sorted(tensor_files)}. Received: {sorted(pending)}"
        )
    return "".join(entries), tensor_files


class BatchProfiler:
    """A `torch.profiler` run over a range of training batches, saved as a
    Chrome trace (`<host>_<pid>.<ms>.pt.trace.json`) under
    `<train dir>/plugins/profile/<date>/`, where TensorBoard's PyTorch
    profiler plugin (torch-tb-profiler) finds it."""

    def __init__(self, folder):
        self.folder = folder
        self.path = None
        self._profile = None
        self._step = None

    @property
    def running(self):
        return self._profile is not None

    def start(self):
        activities = [torch.profiler.ProfilerActivity.CPU]
        if torch.cuda.is_available():
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        self._profile = torch.profiler.profile(activities=activities,
                                               record_shapes=True)
        self._profile.start()

    def begin_step(self, batch):
        self._step = torch.profiler.record_function(f"train_batch_{batch}")
        self._step.__enter__()

    def end_step(self):
        if self._step is not None:
            self._step.__exit__(None, None, None)
            self._step = None
            self._profile.step()

    def stop(self):
        self.end_step()
        profile, self._profile = self._profile, None
        profile.stop()
        session = time.strftime("%Y_%m_%d_%H_%M_%S")
        folder = os.path.join(self.folder, "plugins", "profile", session)
        os.makedirs(folder, exist_ok=True)
        worker = f"{socket.gethostname()}_{os.getpid()}"
        self.path = os.path.join(
            folder, f"{worker}.{int(time.time() * 1000)}.pt.trace.json"
        )
        profile.export_chrome_trace(self.path)
        return self.path


def parse_profile_batch(profile_batch):
    """(start, stop) from Keras's spellings: an int, a "start,stop" string or
    a pair; (0, 0) turns profiling off."""
    message = (
        "Invalid value for argument `profile_batch`. Expected a "
        "non-negative integer or a pair (start, stop) of positive integers "
        f"with start <= stop. Received: profile_batch={profile_batch!r}"
    )
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(part) for part in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
        if len(profile_batch) == 1:
            profile_batch = profile_batch[0]
    if isinstance(profile_batch, bool):
        raise ValueError(message)
    if isinstance(profile_batch, (int, np.integer)):
        start = stop = int(profile_batch)
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop
