"""BackupAndRestore: an interrupted `fit` resumes at the exact batch and ends
with the weights of an uninterrupted run, bit for bit."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import warnings

import h5py
import numpy as np
import pytest
import torch

import lamina
from lamina.callbacks import BackupAndRestore
from lamina.random import set_random_seed

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class Interrupt(Exception):
    pass


class CountBatches(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        self.steps.append(batch)


class InterruptAt(lamina.callbacks.Callback):
    """Raises at the start of the `at`-th training batch (1-based)."""

    def __init__(self, at):
        super().__init__()
        self.at = at
        self.seen = 0

    def on_train_batch_begin(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at:
            raise Interrupt


def _model(optimizer="adam", steps_per_execution=1):
    set_random_seed(3)
    model = lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(16, activation="relu"),
        lamina.layers.Dropout(0.3),
        lamina.layers.Dense(16, activation="relu"),
        lamina.layers.Dropout(0.2, seed=11),
        lamina.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer, "sparse_categorical_crossentropy",
                  metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model


def _data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(60, 6)).astype("float32"),
            rng.integers(0, 3, 60))


def _fit(model, callbacks, **kwargs):
    x, y = _data()
    options = {"batch_size": 8, "epochs": 3, "shuffle": True, "verbose": 0}
    options.update(kwargs)
    return model.fit(x, y, callbacks=callbacks, **options)


def _interrupted_then_resumed(tmp_path, interrupt_at, optimizer="adam",
                              **kwargs):
    backup = str(tmp_path / "backup")
    model = _model(optimizer)
    with pytest.raises(Interrupt):
        _fit(model, [BackupAndRestore(backup, save_freq=kwargs.pop(
            "save_freq", 2)), InterruptAt(interrupt_at)], **kwargs)
    assert os.path.exists(os.path.join(backup, "latest.state.h5"))
    model = _model(optimizer)  # a new process would start from scratch
    counter = CountBatches()
    history = _fit(model, [BackupAndRestore(backup), counter], **kwargs)
    assert not os.path.exists(backup)  # deleted once training completed
    model.resumed_steps = counter.steps
    return model, history


@pytest.mark.parametrize("interrupt_at", [3, 6, 9, 10, 17, 24])
def test_resumes_at_the_exact_batch(tmp_path, interrupt_at):
    reference = _model()
    expected = _fit(reference, [])
    model, history = _interrupted_then_resumed(tmp_path, interrupt_at)
    # 8 batches per epoch, backups every 2: the rerun trains only the
    # batches after the last backup, starting mid-epoch.
    done = 2 * ((interrupt_at - 1) // 2)
    assert len(model.resumed_steps) == 24 - done
    assert model.resumed_steps[0] == done % 8
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)
    # The resumed epochs log what the uninterrupted run logged: the metric
    # accumulators of the interrupted epoch were restored too.
    resumed = len(history.epoch)
    for key in ("loss", "accuracy"):
        assert history.history[key] == expected.history[key][-resumed:]
    assert int(model.optimizer.iterations) == int(
        reference.optimizer.iterations)


def test_keras_style_epoch_backups(tmp_path):
    reference = _model()
    _fit(reference, [])
    model, history = _interrupted_then_resumed(tmp_path, 12,
                                               save_freq="epoch")
    assert history.epoch == [1, 2]  # the backup after epoch 1 (index 0)
    assert model.resumed_steps == list(range(8)) * 2
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_steps_per_epoch_spanning_passes(tmp_path):
    # 5 steps per epoch over 8 batches per pass: passes and epochs overlap.
    reference = _model()
    _fit(reference, [], steps_per_epoch=5, epochs=4)
    model, _ = _interrupted_then_resumed(tmp_path, 13, steps_per_epoch=5,
                                         epochs=4, save_freq=3)
    assert model.resumed_steps == [2, 3, 4] + list(range(5)) * 1
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("interrupt_at", [3, 4, 6])
def test_grouped_steps_per_execution(tmp_path, interrupt_at):
    # 8 batches an epoch in calls of 3, 3 and 2: a call may end the pass.
    reference = _model(steps_per_execution=3)
    _fit(reference, [])
    backup = str(tmp_path / "backup")
    with pytest.raises(Interrupt):
        _fit(_model(steps_per_execution=3),
             [BackupAndRestore(backup, save_freq=2), InterruptAt(interrupt_at)])
    model = _model(steps_per_execution=3)
    _fit(model, [BackupAndRestore(backup)])
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_torch_optimizer_state(tmp_path):
    reference = _model(torch.optim.AdamW)
    _fit(reference, [])
    model, _ = _interrupted_then_resumed(tmp_path, 10,
                                         optimizer=torch.optim.AdamW)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_python_generator_source_resumes_by_skipping(tmp_path):
    x, y = _data()

    def batches():
        while True:
            for start in range(0, 56, 8):
                yield x[start:start + 8], y[start:start + 8]

    def run(callbacks):
        model = _model()
        model.fit(batches(), steps_per_epoch=7, epochs=2, verbose=0,
                  callbacks=callbacks)
        return model

    reference = run([])
    backup = str(tmp_path / "backup")
    with pytest.raises(Interrupt):
        run([BackupAndRestore(backup, save_freq=1), InterruptAt(4)])
    # Compiled metrics are built from a batch, which only arrays can give
    # without consuming the source.
    with pytest.warns(UserWarning, match="could not restore the metrics"):
        model = run([BackupAndRestore(backup)])
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def _shuffling_source(kind):
    x, y = _data()
    if kind == "torch_dataset":
        return torch.utils.data.TensorDataset(torch.from_numpy(x),
                                              torch.from_numpy(y))

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 8

        def __getitem__(self, index):
            rows = slice(index * 8, index * 8 + 8)
            return x[rows], y[rows]

    return Batches()


@pytest.mark.parametrize("kind", ["torch_dataset", "py_dataset"])
def test_shuffling_sources_replay_their_pass(tmp_path, kind):
    """A DataLoader or PyDataset draws its order from the global random
    state when its pass begins: the resumed run replays the pass from that
    state, skipping the used batches, and continues bit for bit."""

    def run(callbacks):
        model = _model()
        model.fit(_shuffling_source(kind), batch_size=8, epochs=3,
                  shuffle=True, verbose=0, callbacks=callbacks)
        return model

    reference = run([])
    backup = str(tmp_path / "backup")
    with pytest.raises(Interrupt):
        run([BackupAndRestore(backup, save_freq=3), InterruptAt(12)])
    counter = CountBatches()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # metrics of non-array sources
        model = run([BackupAndRestore(backup), counter])
    assert counter.steps[:3] == [1, 2, 3]  # epoch 2 (8 batches), from 1
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_backup_file_layout_no_pickle_and_checksums(tmp_path):
    backup = tmp_path / "backup"
    model = _model()
    _fit(model, [BackupAndRestore(str(backup), save_freq=3,
                                  delete_checkpoint=False)], epochs=1)
    path = backup / "latest.state.h5"
    with h5py.File(path, "r") as file:
        metadata = json.loads(bytes(file["metadata.json"][()]).decode())
        datasets = []
        file.visititems(lambda name, item: datasets.append(item)
                        if isinstance(item, h5py.Dataset) else None)
        assert all(d.fletcher32 for d in datasets if d.size)
        assert all(d.dtype.kind in "biuf" for d in datasets)  # no objects
        # The epoch's shuffling order, saved mid-epoch.
        assert sorted(file["data/order"][()]) == list(range(60))
    # 60 rows in batches of 8: 8 batches, the last backup after batch 6.
    assert (metadata["epoch"], metadata["step"], metadata["position"]) == \
        (0, 6, 6)
    assert metadata["random"]["seed_generators"] == [
        "dropout_1.seed_generator"]
    assert set(os.listdir(backup)) == {"latest.state.h5"}  # no temporaries


def _damage(path):
    """Flips bytes inside the stored data of the file's largest tensor."""
    with h5py.File(path, "r") as file:
        datasets = []
        file.visititems(lambda name, item: datasets.append(item)
                        if isinstance(item, h5py.Dataset) else None)
        largest = max(datasets, key=lambda d: d.size)
        chunk = largest.id.get_chunk_info(0)
        start, size = chunk.byte_offset, chunk.size
    data = bytearray(open(path, "rb").read())
    for offset in range(start + size // 4, start + size // 4 + 8):
        data[offset] ^= 0xFF
    open(path, "wb").write(bytes(data))


def test_damaged_backup_falls_back_to_the_previous_one(tmp_path):
    backup = tmp_path / "backup"
    reference = _model()
    _fit(reference, [])
    model = _model()
    with pytest.raises(Interrupt):
        _fit(model, [BackupAndRestore(str(backup), save_freq=2,
                                      double_checkpoint=True),
                     InterruptAt(11)])
    assert set(os.listdir(backup)) == {"latest.state.h5",
                                       "previous.state.h5"}
    _damage(backup / "latest.state.h5")
    model = _model()
    with pytest.warns(UserWarning, match="previous backup"):
        _fit(model, [BackupAndRestore(str(backup), double_checkpoint=True)])
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file" * 10, None])
def test_damaged_backup_without_fallback_is_a_clear_error(tmp_path, content):
    backup = tmp_path / "backup"
    model = _model()
    with pytest.raises(Interrupt):
        _fit(model, [BackupAndRestore(str(backup), save_freq=2),
                     InterruptAt(5)])
    path = backup / "latest.state.h5"
    if content is None:
        _damage(path)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="latest.state.h5 is damaged") as info:
        _fit(_model(), [BackupAndRestore(str(backup))])
    assert "Delete the folder" in str(info.value)


def test_backup_of_another_model_is_rejected(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(_model(), [BackupAndRestore(str(backup), save_freq=2),
                        InterruptAt(4)])
    other = lamina.Sequential([lamina.Input((6,)),
                               lamina.layers.Dense(3, activation="softmax")])
    other.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="written for another model"):
        _fit(other, [BackupAndRestore(str(backup))])


@pytest.mark.parametrize("change", [{"batch_size": 4}, {"rows": 50}])
def test_resuming_with_other_batching_is_a_clear_error(tmp_path, change):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(_model(), [BackupAndRestore(str(backup), save_freq=2),
                        InterruptAt(4)])
    x, y = _data()
    rows = change.get("rows", 60)
    with pytest.raises(ValueError, match="same data, `batch_size`"):
        _model().fit(x[:rows], y[:rows], batch_size=change.get("batch_size",
                                                              8),
                     epochs=3, verbose=0,
                     callbacks=[BackupAndRestore(str(backup))])


def test_backup_of_another_optimizer_is_rejected_before_restoring(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(_model(), [BackupAndRestore(str(backup), save_freq=2),
                        InterruptAt(4)])
    model = _model("sgd")  # Adam wrote the backup
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="another optimizer"):
        _fit(model, [BackupAndRestore(str(backup))])
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_unbuilt_model_with_a_backup_is_a_clear_error(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(Interrupt):
        _fit(_model(), [BackupAndRestore(str(backup), save_freq=2),
                        InterruptAt(4)])
    unbuilt = lamina.Sequential([lamina.layers.Dense(3)])
    unbuilt.compile("adam", "mse")
    with pytest.raises(ValueError, match="must be built"):
        _fit(unbuilt, [BackupAndRestore(str(backup))])


def test_delete_checkpoint_false_keeps_the_backup(tmp_path):
    backup = tmp_path / "backup"
    _fit(_model(), [BackupAndRestore(str(backup), delete_checkpoint=False)],
         epochs=2)
    assert os.listdir(backup) == ["latest.state.h5"]
    # Rerunning the finished `fit` resumes after its last epoch: no steps.
    model = _model()
    history = _fit(model, [BackupAndRestore(str(backup))], epochs=2)
    assert history.epoch == []


@pytest.mark.parametrize("kwargs, message", [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": "b", "save_freq": "batch"}, "save_freq='batch'"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq=0"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BackupAndRestore(**kwargs)


# -- Killed processes ------------------------------------------------------

_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import lamina
    from lamina.callbacks import training_state_file
    from lamina.random import set_random_seed

    backup, out, kill_at, kill_in_write = sys.argv[1], sys.argv[2], \\
        int(sys.argv[3]), int(sys.argv[4])
    set_random_seed(5)
    model = lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(16, activation="relu"),
        lamina.layers.Dropout(0.3),
        lamina.layers.Dense(16, activation="relu"),
        lamina.layers.Dropout(0.2, seed=4),
        lamina.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 6)).astype("float32")
    y = rng.integers(0, 3, 60)

    class Kill(lamina.callbacks.Callback):
        seen = 0
        def on_train_batch_begin(self, batch, logs=None):
            Kill.seen += 1
            if Kill.seen == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        def on_train_end(self, logs=None):
            print("batches trained:", Kill.seen)

    writes = []
    real_write = training_state_file.write
    def write_then_die(path, state):
        real_write(path, state)
        writes.append(path)
        if len(writes) == kill_in_write:
            # Half the file on disk, then the process dies mid-save.
            size = os.path.getsize(path)
            with open(path, "r+b") as file:
                file.truncate(size // 2)
            os.kill(os.getpid(), signal.SIGKILL)
    training_state_file.write = write_then_die

    callbacks = [lamina.callbacks.BackupAndRestore(
        backup, save_freq=3, delete_checkpoint=sys.argv[5] == "0"), Kill()]
    model.fit(x, y, batch_size=8, epochs=3, shuffle=True, verbose=0,
              callbacks=callbacks if backup != "-" else [])
    np.save(out, np.concatenate([w.ravel() for w in model.get_weights()]))
""")


def _run_script(tmp_path, backup, out, kill_at=0, kill_in_write=0,
                keep_backup=False):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, str(script), backup, str(out), str(kill_at),
         str(kill_in_write), str(int(keep_backup))],
        env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    done = _run_script(folder, "-", folder / "weights.npy")
    assert done.returncode == 0, done.stderr
    return np.load(folder / "weights.npy")


@pytest.mark.parametrize("case", ["between_batches", "during_a_backup"])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(tmp_path, case,
                                                        uninterrupted):
    # 3 epochs of 8 batches; the kill lands on a batch drawn with a seed.
    kill_at = random.Random(17).randint(5, 22)
    backup = str(tmp_path / "backup")
    out = tmp_path / "weights.npy"
    if case == "between_batches":
        killed = _run_script(tmp_path, backup, out, kill_at=kill_at)
        backed_up = 3 * ((kill_at - 1) // 3)  # batches in the last backup
    else:
        kill_in_write = max(2, kill_at // 3)
        killed = _run_script(tmp_path, backup, out,
                             kill_in_write=kill_in_write)
        backed_up = 3 * (kill_in_write - 1)  # the one before the torn one
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists()
    assert os.path.exists(os.path.join(backup, "latest.state.h5"))
    torn = [n for n in os.listdir(backup) if n.endswith(".tmp")]
    assert len(torn) == (case == "during_a_backup")
    rerun = _run_script(tmp_path, backup, out, keep_backup=True)
    assert os.listdir(backup) == ["latest.state.h5"]  # torn write removed
    assert rerun.returncode == 0, rerun.stderr
    # It resumed after the last complete backup, not from the start.
    assert f"batches trained: {24 - backed_up}" in rerun.stdout
    np.testing.assert_array_equal(np.load(out), uninterrupted)
