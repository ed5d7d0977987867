"""TensorBoard callback: the event files are read back with TensorBoard's own
reader and compared with the History of the same `fit`.

Keras 3 needs TensorFlow for this callback, so the expected tags and steps
are Keras 3.15's documented layout (`log_dir/train`, `log_dir/validation`,
`epoch_<name>`, `batch_<name>`, `evaluation_<name>_vs_iterations`,
`<weight path>/histogram`, `<weight path>/image`, the `keras` model record).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest
import torch

import lamina as keras

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402


def read(folder):
    accumulator = event_accumulator.EventAccumulator(
        folder, size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                               "tensors": 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


def make_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(5, activation="relu"),
        keras.layers.Dense(2),
    ])
    model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


def make_data(n=32):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, 4)).astype("float32"),
            rng.normal(size=(n, 2)).astype("float32"))


def assert_history(accumulator, history, keys, steps, prefix=""):
    for key in keys:
        got = scalars(accumulator, f"epoch_{key}")
        assert [s for s, _ in got] == steps, key
        np.testing.assert_allclose([v for _, v in got],
                                   history[prefix + key], rtol=1e-6)


def test_epoch_scalars_equal_the_history(tmp_path):
    x, y = make_data()
    model = make_model()
    history = model.fit(x, y, validation_split=0.25, epochs=3, batch_size=8,
                        verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train = read(str(tmp_path / "train"))
    validation = read(str(tmp_path / "validation"))
    assert sorted(train.Tags()["scalars"]) == [
        "epoch_learning_rate", "epoch_loss", "epoch_mae"]
    assert_history(train, history.history, ["loss", "mae"], [0, 1, 2])
    assert_history(validation, history.history, ["loss", "mae"], [0, 1, 2],
                   prefix="val_")
    np.testing.assert_allclose(
        [v for _, v in scalars(train, "epoch_learning_rate")], [0.05] * 3,
        rtol=1e-6)
    # Validation at the end of each epoch, stepped by optimizer iterations
    # (24 training rows in batches of 8: 3 per epoch).
    evaluation = scalars(validation, "evaluation_loss_vs_iterations")
    assert [s for s, _ in evaluation] == [3, 6, 9]
    np.testing.assert_allclose([v for _, v in evaluation],
                               history.history["val_loss"], rtol=1e-6)
    assert "epoch_learning_rate" not in validation.Tags()["scalars"]


@pytest.mark.parametrize("update_freq, steps", [
    ("batch", list(range(1, 13))), (4, [4, 8, 12]), (5, [5, 10])])
def test_batch_scalars_follow_update_freq(tmp_path, update_freq, steps):
    x, y = make_data()
    model = make_model()
    callback = keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq,
                                           write_steps_per_second=True)
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0,
                        callbacks=[callback])
    train = read(str(tmp_path / "train"))
    for tag in ("batch_loss", "batch_mae", "batch_steps_per_second"):
        assert [s for s, _ in scalars(train, tag)] == steps, tag
    assert all(v > 0 for _, v in scalars(train, "batch_steps_per_second"))
    assert [s for s, _ in scalars(train, "epoch_steps_per_second")] == [
        0, 1, 2]
    # Batch logs are the epoch's running values: at the last batch of an
    # epoch (4 batches each) they equal the epoch's.
    batch_loss = dict(scalars(train, "batch_loss"))
    for epoch, loss in enumerate(history.history["loss"]):
        if 4 * (epoch + 1) in batch_loss:
            np.testing.assert_allclose(batch_loss[4 * (epoch + 1)], loss,
                                       rtol=1e-6)


def test_epoch_updates_leave_batch_hooks_alone(tmp_path):
    # With update_freq="epoch" the callback listens to no batch hook, so fit
    # never reads the batch logs for it (no device sync per step).
    callback = keras.callbacks.TensorBoard(tmp_path)
    callbacks = keras.callbacks.CallbackList([callback])
    for hook in ("on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_end"):
        assert not callbacks.listens_to(hook)
    batched = keras.callbacks.CallbackList(
        [keras.callbacks.TensorBoard(tmp_path, update_freq=3)])
    assert batched.listens_to("on_train_batch_end")
    model = make_model()
    model.fit(*make_data(), epochs=1, verbose=0, callbacks=[callback])
    assert not [t for t in read(str(tmp_path / "train")).Tags()["scalars"]
                if t.startswith("batch_")]


def test_histograms_and_images_are_named_by_weight_path(tmp_path):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        keras.layers.Conv2D(4, 3, name="conv"),
        keras.layers.Flatten(),
        keras.layers.Dense(3, name="head"),
    ], name="net")
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(8, 6, 6, 1)).astype("float32")
    y = np.zeros((8, 3), "float32")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(tmp_path, histogram_freq=2,
                                    write_images=True)])
    train = read(str(tmp_path / "train"))
    paths = ["net/conv/kernel", "net/conv/bias", "net/head/kernel",
             "net/head/bias"]
    assert sorted(train.Tags()["histograms"]) == sorted(
        f"{p}/histogram" for p in paths)
    weights = {w.path: w.detach().cpu().numpy() for w in model.weights}
    for path in paths:
        events = train.Histograms(f"{path}/histogram")
        assert [e.step for e in events] == [0, 2]
        last = events[-1].histogram_value
        assert last.num == weights[path].size
        np.testing.assert_allclose(last.min, weights[path].min(), rtol=1e-6)
        np.testing.assert_allclose(last.max, weights[path].max(), rtol=1e-6)
        np.testing.assert_allclose(last.sum, weights[path].sum(), rtol=1e-4,
                                   atol=1e-6)
    # Conv kernel (3, 3, 1, 4) squeezes to (3, 3, 4): one 3x3 image per
    # filter, at most 3, as tf.summary.image keeps; Dense kernel (64, 3)
    # turns its wide side across: 3x64.
    assert sorted(train.Tags()["images"]) == sorted(
        f"{p}/image" for p in paths)
    conv = train.Images("net/conv/kernel/image")[-1]
    head = train.Images("net/head/kernel/image")[-1]
    bias = train.Images("net/head/bias/image")[-1]
    assert (head.height, head.width) == (3, 64)
    assert (bias.height, bias.width) == (3, 1)  # Keras: a column
    assert (conv.height, conv.width) == (3, 9)  # 3 filters side by side
    # Pixels: the weights in [0, 1] scaled to bytes, as tf.summary.image
    # does (within one level: TensorFlow scales by 255.5, torch by 255).
    image = pytest.importorskip("PIL.Image")
    import io

    pixels = np.asarray(image.open(io.BytesIO(head.encoded_image_string)))
    expected = np.clip(weights["net/head/kernel"].T * 255, 0, 255)
    assert np.abs(pixels[..., 0].astype(float) - expected).max() <= 1.0
    assert [e.step for e in train.Images("net/conv/kernel/image")] == [0, 2]


def test_graph_keras_config_and_traced_op_graph(tmp_path):
    x, y = make_data()
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train = read(str(tmp_path / "train"))
    (record,) = train.Tensors("keras")
    assert record.step == 0
    written = record.tensor_proto.string_val[0].decode()
    assert json.loads(written) == json.loads(model.to_json())
    metadata = train.SummaryMetadata("keras")
    assert metadata.plugin_data.plugin_name == "graph_keras_model"
    graph = train.Graph()
    ops = [node.op for node in graph.node]
    assert any("addmm" in op or "linear" in op or "matmul" in op
               for op in ops), ops


def test_graph_is_traced_once_for_a_subclassed_model_with_dict_inputs(
        tmp_path):
    class TwoInputs(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs["a"] + inputs["b"])

    model = TwoInputs()
    model.compile("sgd", "mse")
    data = {"a": np.ones((8, 3), "float32"), "b": np.ones((8, 3), "float32")}
    callback = keras.callbacks.TensorBoard(tmp_path)
    for _ in range(2):
        model.fit(data, np.zeros((8, 1), "float32"), epochs=1, verbose=0,
                  callbacks=[callback])
    graphs = 0
    for name in os.listdir(tmp_path / "train"):
        accumulator = event_accumulator.EventAccumulator(
            str(tmp_path / "train" / name))
        accumulator.Reload()
        graphs += accumulator.Tags()["graph"]
    assert graphs == 1
    # A subclassed model has no Keras graph record (Keras writes it for
    # Functional and Sequential models only); the capturing hook is gone.
    assert "keras" not in read(str(tmp_path / "train")).Tags()["tensors"]
    assert not model._forward_pre_hooks


def test_profile_batch_writes_a_torch_trace(tmp_path):
    x, y = make_data()
    model = make_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(tmp_path, profile_batch="2,3")])
    profile = tmp_path / "train" / "plugins" / "profile"
    (session,) = os.listdir(profile)
    (trace,) = os.listdir(profile / session)
    assert trace.endswith(".pt.trace.json")
    with open(profile / session / trace) as f:
        events = json.load(f)["traceEvents"]
    names = {e.get("name") for e in events}
    assert {"train_batch_1", "train_batch_2"} <= names
    assert "train_batch_0" not in names and "train_batch_3" not in names


@pytest.mark.parametrize("profile_batch", [-1, (3, 2), "a,b", (1, 2, 3),
                                          1.5, True])
def test_bad_profile_batch(tmp_path, profile_batch):
    with pytest.raises(ValueError, match="profile_batch"):
        keras.callbacks.TensorBoard(tmp_path, profile_batch=profile_batch)


@pytest.mark.parametrize("update_freq", ["step", 0, -2, 1.5, None])
def test_unknown_update_freq(tmp_path, update_freq):
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq)


def test_bad_frequencies(tmp_path):
    with pytest.raises(ValueError, match="histogram_freq"):
        keras.callbacks.TensorBoard(tmp_path, histogram_freq=-1)
    with pytest.raises(ValueError, match="embeddings_freq"):
        keras.callbacks.TensorBoard(tmp_path, embeddings_freq="epoch")


def test_unwritable_log_dir_names_it(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    model = make_model()
    callback = keras.callbacks.TensorBoard(blocker / "logs")
    with pytest.raises(OSError, match="log_dir=.*a_file"):
        model.fit(*make_data(), epochs=1, verbose=0, callbacks=[callback])


def test_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r"lamina\[tensorboard\]"):
        keras.callbacks.TensorBoard(tmp_path)


def test_validation_freq_and_initial_epoch_and_several_fits(tmp_path):
    x, y = make_data()
    model = make_model()
    callback = keras.callbacks.TensorBoard(tmp_path, update_freq="batch")
    first = model.fit(x, y, validation_data=(x[:8], y[:8]), epochs=4,
                      validation_freq=2, batch_size=16, verbose=0,
                      callbacks=[callback])
    second = model.fit(x, y, validation_data=(x[:8], y[:8]), epochs=6,
                       initial_epoch=4, batch_size=16, verbose=0,
                       callbacks=[callback])
    train = read(str(tmp_path / "train"))
    validation = read(str(tmp_path / "validation"))
    losses = first.history["loss"] + second.history["loss"]
    got = scalars(train, "epoch_loss")
    assert [s for s, _ in got] == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose([v for _, v in got], losses, rtol=1e-6)
    val = scalars(validation, "epoch_loss")
    assert [s for s, _ in val] == [1, 3, 4, 5]
    np.testing.assert_allclose(
        [v for _, v in val],
        first.history["val_loss"] + second.history["val_loss"], rtol=1e-6)
    # Batch steps carry on over the two fits: 2 batches x 6 epochs.
    assert [s for s, _ in scalars(train, "batch_loss")] == list(
        range(1, 13))
    assert [s for s, _ in scalars(
        validation, "evaluation_loss_vs_iterations")] == [4, 8, 10, 12]


class Rows(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.x[8 * i:8 * i + 8], self.y[8 * i:8 * i + 8]


def _generator(x, y):
    while True:
        for i in range(4):
            yield x[8 * i:8 * i + 8], y[8 * i:8 * i + 8]


@pytest.mark.parametrize("kind", ["arrays", "tensors", "dataset",
                                  "dataloader", "generator", "pydataset"])
def test_every_data_kind(tmp_path, kind):
    x, y = make_data()
    data = {
        "arrays": lambda: dict(x=x, y=y, batch_size=8),
        "tensors": lambda: dict(x=torch.from_numpy(x), y=torch.from_numpy(y),
                                batch_size=8),
        "dataset": lambda: dict(x=Rows(x, y), batch_size=8),
        "dataloader": lambda: dict(x=torch.utils.data.DataLoader(
            Rows(x, y), batch_size=8)),
        "generator": lambda: dict(x=_generator(x, y), steps_per_epoch=4),
        "pydataset": lambda: dict(x=Batches(x, y)),
    }[kind]()
    model = make_model()
    history = model.fit(**data, epochs=2, verbose=0, shuffle=False,
                        callbacks=[keras.callbacks.TensorBoard(
                            tmp_path, update_freq=2)])
    train = read(str(tmp_path / "train"))
    assert_history(train, history.history, ["loss", "mae"], [0, 1])
    assert [s for s, _ in scalars(train, "batch_loss")] == [2, 4, 6, 8]


def test_embeddings_for_the_projector(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((3,), dtype="int32"),
        keras.layers.Embedding(10, 4, name="words"),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(1),
    ])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).integers(0, 10, (8, 3))
    model.fit(x, np.zeros((8, 1), "float32"), epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(
                  tmp_path, embeddings_freq=1,
                  embeddings_metadata={"words": "meta.tsv"})])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert config == (
        'embeddings {\n'
        '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/'
        'VARIABLE_VALUE"\n'
        '  metadata_path: "meta.tsv"\n'
        '  tensor_path: "embeddings/words.tsv"\n'
        '}\n')
    values = np.loadtxt(tmp_path / "embeddings" / "words.tsv",
                        delimiter="\t")
    np.testing.assert_allclose(
        values, model.get_layer("words").embeddings.detach().cpu().numpy(),
        rtol=1e-6)
    for epoch in (0, 1):
        assert (tmp_path / "train" /
                f"keras_embedding.ckpt-{epoch}.weights.h5").exists()
    with pytest.raises(ValueError, match="nope"):
        model.fit(x, np.zeros((8, 1), "float32"), epochs=1, verbose=0,
                  callbacks=[keras.callbacks.TensorBoard(
                      tmp_path, embeddings_freq=1,
                      embeddings_metadata={"nope": "m.tsv"})])


def test_evaluate_alone_writes_validation_scalars(tmp_path):
    x, y = make_data()
    model = make_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    loss, mae = model.evaluate(x, y, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(tmp_path)])
    validation = read(str(tmp_path / "validation"))
    assert scalars(validation, "evaluation_loss_vs_iterations") == [
        (4, pytest.approx(loss, rel=1e-6))]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_tensorboard_program_serves_scalars_and_embeddings(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((3,), dtype="int32"),
        keras.layers.Embedding(10, 4, name="words"),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(2),
    ])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).integers(0, 10, (32, 3))
    y = np.random.default_rng(1).normal(size=(32, 2)).astype("float32")
    history = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(
                            tmp_path, embeddings_freq=1)])
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path),
         "--host", "127.0.0.1", "--port", str(port), "--load_fast=false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/data/runs",
                                            timeout=5) as r:
                    runs = json.load(r)
                if {"train", "validation"} <= set(runs):
                    break
            except OSError:
                pass
            assert time.time() < deadline, "TensorBoard did not start"
            assert server.poll() is None, "TensorBoard exited"
            time.sleep(0.5)
        for run, key in (("train", "loss"), ("validation", "val_loss")):
            url = (f"{base}/data/plugin/scalars/scalars?run={run}"
                   "&tag=epoch_loss")
            with urllib.request.urlopen(url, timeout=10) as r:
                points = json.load(r)
            assert [p[1] for p in points] == [0, 1]
            np.testing.assert_allclose([p[2] for p in points],
                                       history.history[key], rtol=1e-6)
        # The projector reads the embedding matrix without TensorFlow.
        projector = f"{base}/data/plugin/projector"
        with urllib.request.urlopen(f"{projector}/info?run=.",
                                    timeout=10) as r:
            (info,) = json.load(r)["embeddings"]
        assert info["tensorShape"] == [10, 4]
        name = urllib.parse.quote(info["tensorName"])
        with urllib.request.urlopen(f"{projector}/tensor?run=.&name={name}",
                                    timeout=10) as r:
            served = np.frombuffer(r.read(), "float32").reshape(10, 4)
        np.testing.assert_allclose(
            served, model.get_layer("words").embeddings.detach().cpu().numpy(),
            rtol=1e-6)
    finally:
        server.terminate()
        server.wait(timeout=30)
